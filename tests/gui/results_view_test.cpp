// `ledlab gui` headless under Xvfb with the results views in front: two DUTs' BER-vs-temperature
// runs ticked for comparison draw one curve each with the lanes' medians the store holds, the
// Lane tab lists the selected lane's results, and the Results tab has a column per condition.
#include "db/reader.hpp"
#include "support/cli_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ledlab::test::run_ledlab;
using ledlab::test::run_shell;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(LEDLAB_BINARY_DIR) / "gui-test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "runs");
  ::setenv("LEDLAB_RUN_DIR", (dir / "runs").c_str(), 1);
  return dir;
}

// A short BER-vs-temperature run of one DUT on the simulated bench (virtual time: about a second).
std::string ber_run(const fs::path& db, const std::string& dut, const std::string& extra = "") {
  const auto ran = run_ledlab("run " LEDLAB_SOURCE_DIR "/sequences/ber_vs_temperature.lua --station " LEDLAB_SOURCE_DIR
                              "/sequences/stations/sim.toml --sim --virtual-time -p temps=25,85 --db " +
                              db.string() + " --dut " + dut + " " + extra);
  INFO(ran.out);
  REQUIRE((ran.code == 0 || ran.code == 3));  // finished: PASS or FAIL
  auto reader = ledlab::db::Reader::open(db);
  REQUIRE(reader);
  auto runs = reader->list_runs({.dut_serial = dut});
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  return runs->front().uuid;
}

// Every result the store holds for a run.
std::vector<ledlab::db::ResultRecord> stored_results_of(const fs::path& db, const std::string& uuid) {
  auto reader = ledlab::db::Reader::open(db);
  REQUIRE(reader);
  auto run = reader->find_run(uuid);
  REQUIRE(run);
  auto results = reader->results(run->id);
  REQUIRE(results);
  return std::move(*results);
}

// The median of the live (not dead) lanes' ber_upper at each temperature, from the store.
std::map<double, double> stored_medians(const fs::path& db, const std::string& uuid) {
  std::map<double, std::vector<double>> by_t;
  for (const auto& r : stored_results_of(db, uuid)) {
    if (r.name != "ber_upper" || !r.lane || ledlab::db::verdict_of(r) == ledlab::db::Verdict::dead) continue;
    by_t[json::parse(r.extra_json).at("temperature_c").get<double>()].push_back(r.value);
  }
  std::map<double, double> out;
  for (auto& [t, v] : by_t) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    out[t] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  return out;
}

std::size_t stored_results(const fs::path& db, const std::string& uuid, std::optional<int> lane = std::nullopt) {
  const auto results = stored_results_of(db, uuid);
  return static_cast<std::size_t>(
      std::count_if(results.begin(), results.end(), [&](const auto& r) { return !lane || r.lane == lane; }));
}

}  // namespace

TEST_CASE("the dashboard compares two DUTs' BER against temperature with the lanes' medians the store holds", "[gui]") {
  const fs::path dir = scratch("compare");
  const fs::path db = dir / "store.sqlite";
  const std::string a = ber_run(db, "DUT-A");
  const std::string b = ber_run(db, "DUT-B", "-p bit_rate_hz=4e9");  // faster: a worse BER

  const auto ran = run_shell(ledlab::test::xvfb_run() + LEDLAB_BINARY_DIR "/ledlab gui --db " + db.string() +
                             " --sequences " LEDLAB_SOURCE_DIR "/sequences --attach " + a.substr(0, 8) + " --compare " +
                             a.substr(0, 8) + " --compare " + b.substr(0, 8) + " --lane 3 --tab Compare --size 1920x1200" +
                             " --screenshot " + (dir / "shot.png").string() + " --layout " + (dir / "layout.json").string() +
                             " --timeout 120");
  INFO(ran.out);
  REQUIRE(ran.code == 0);
  std::ifstream in(dir / "layout.json");
  const json views = json::parse(in).at("results");
  INFO(views.dump(2));

  // One curve per run, each point the median of that run's live lanes at that temperature.
  const json& compare = views.at("compare");
  CHECK(compare.at("title") == "ber_upper vs temperature_c (median over the live lanes)");
  CHECK(compare.at("y_log") == true);
  REQUIRE(compare.at("curves").size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string uuid = i == 0 ? a : b;
    const json& curve = compare.at("curves")[i];
    CHECK(curve.at("label") == (i == 0 ? "DUT-A run " : "DUT-B run ") + uuid.substr(0, 8));
    const auto medians = stored_medians(db, uuid);
    REQUIRE(curve.at("points").size() == medians.size());
    std::size_t k = 0;
    for (const auto& [t, median] : medians) {
      CHECK(curve.at("points")[k][0].get<double>() == t);
      CHECK(curve.at("points")[k][1].get<double>() == Approx(median).epsilon(1e-12));
      ++k;
    }
  }
  CHECK(stored_medians(db, b).at(85) > stored_medians(db, a).at(85));

  // The Results tab: every result of the run on display, a column per condition it names.
  CHECK(views.at("results") == stored_results(db, a));
  CHECK(views.at("rows") == stored_results(db, a));
  const auto columns = views.at("columns").get<std::vector<std::string>>();
  CHECK(std::find(columns.begin(), columns.end(), "temperature_c") != columns.end());
  CHECK(views.at("export") == "results-" + a.substr(0, 8) + ".csv");

  // The Lane tab: lane 3's results, and its BER against temperature.
  CHECK(views.at("lane").at("lane") == 3);
  CHECK(views.at("lane").at("rows") == stored_results(db, a, 3));
  REQUIRE_FALSE(views.at("lane").at("plots").empty());
  CHECK(views.at("lane").at("plots")[0].at("title") == "lane 3: ber_upper vs temperature_c");
}

TEST_CASE("the dashboard refuses a tab it does not have, naming it") {
  const auto ran = run_ledlab("gui --tab Nope --screenshot /dev/null");
  CHECK(ran.code != 0);
  CHECK_THAT(ran.out, Catch::Contains("Nope"));
}

TEST_CASE("the dashboard refuses a run to compare that the store does not hold, naming it and the store") {
  const fs::path dir = scratch("compare_unknown");
  const fs::path db = dir / "store.sqlite";
  ber_run(db, "DUT-A");
  const auto ran = run_ledlab("gui --db " + db.string() + " --compare feedbeef --screenshot " + (dir / "shot.png").string());
  CHECK(ran.code == 2);
  CHECK_THAT(ran.out, Catch::Contains("--compare feedbeef") && Catch::Contains(db.string()));
  CHECK_FALSE(fs::exists(dir / "shot.png"));
}
