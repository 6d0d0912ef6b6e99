// A real burn-in (`ledlab run sequences/burn_in.lua --sim`) with the dashboard's model attached:
// at every refresh while the run writes, the array mean the model plots is the store's for the
// same readings, and at the end it holds every reading.
#include "db/reader.hpp"
#include "gui/core/run_data.hpp"
#include "store_means.hpp"
#include "support/cli_process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace ledlab;

TEST_CASE("while a simulated burn-in writes, every refresh of the dashboard's model plots the array mean the store holds for the same readings", "[gui]") {
  const std::string db = test::in_build("live-burn-in.sqlite");
  test::remove_db(db);
  // Lane 200 loses half its light at 3 h: a catastrophic failure the results name at the end.
  test::HeadlessRun run("run " LEDLAB_SOURCE_DIR "/sequences/burn_in.lua --station " LEDLAB_SOURCE_DIR
                        "/sequences/stations/sim.toml --sim --virtual-time --db " + db +
                            " -p duration_h=6 -p interval_h=0.05 -p soak_s=60 --sim-fault '10800 opm SIM:FAULT:LANE 200,0.5'",
                        test::in_build("live-burn-in.log"));
  // The run in the store; the deadline is only a safety net.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120 * test::kSanitizerSlowdown);
  std::optional<db::RunRecord> found;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    if (auto reader = db::Reader::open(db))
      if (auto runs = reader->list_runs(); runs && !runs->empty()) found = runs->front();
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(found);

  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  auto check = db::Reader::open(db);
  REQUIRE(check);
  gui::RunData data(*found);
  int refreshes = 0, during = 0;
  for (bool last = false; !last && std::chrono::steady_clock::now() < deadline;) {
    auto now = check->run(found->id);
    REQUIRE(now);
    last = now->status != db::RunStatus::running;  // one more refresh once the run has ended
    REQUIRE(data.refresh(*reader));
    const auto plotted = test::check_against_store(data, *check, 1e-6);
    ++refreshes;
    if (!last && plotted > 0) ++during;
  }
  const int code = run.exit_code();
  INFO(run.text());
  CHECK((code == 0 || code == 3));  // finished; 3: its verdict is FAIL (lanes beyond the limit)
  CHECK(check->run(found->id).value().status == db::RunStatus::finished);
  CHECK(during > 0);  // refreshed while the run wrote, not only after it
  const auto plots = data.plots(0);
  const auto* mean = test::first_history(plots, "Optical power");
  REQUIRE(mean);
  CHECK(mean->data->points() == 121);  // 6 h every 0.05 h, the first reading at 0 h
  CHECK_FALSE(data.averaged(200));
  WARN(refreshes << " refreshes, " << during << " while the run wrote");
}
