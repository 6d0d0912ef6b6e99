// `ledlab gui` headless under Xvfb against the simulated station: it starts a run through its
// own command path, follows it live, pauses it from the dashboard, and its lane map shows the
// stored values in the colours of the colour map.
#include "db/reader.hpp"
#include "gui/core/colormap.hpp"
#include "support/cli_process.hpp"
#include "support/slow_station.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using ledlab::test::HeadlessRun;
using ledlab::test::run_ledlab;
using ledlab::test::run_shell;
using ledlab::test::slow_station;

const std::string ledlab_exe = std::string(LEDLAB_BINARY_DIR) + "/ledlab";

// A fresh folder for one test: store, control sockets, screenshots.
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(LEDLAB_BINARY_DIR) / "gui-test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "runs");
  ::setenv("LEDLAB_RUN_DIR", (dir / "runs").c_str(), 1);  // the runs the tests start inherit it
  return dir;
}

std::string gui(const fs::path& dir, const std::string& args) {
  return ledlab::test::xvfb_run() + ledlab_exe + " gui --db " + (dir / "store.sqlite").string() +
         " --sequences " LEDLAB_SOURCE_DIR "/sequences --screenshot " + (dir / "shot.png").string() + " --layout " +
         (dir / "layout.json").string() + " --timeout 120 " + args;
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return json::parse(in);
}

// Each lane's newest optical power in the store.
std::map<int, double> stored_powers(const fs::path& db, const std::string& uuid) {
  auto reader = ledlab::db::Reader::open(db);
  REQUIRE(reader);
  auto run = reader->find_run(uuid);
  REQUIRE(run);
  auto series = reader->series(run->id);
  REQUIRE(series);
  std::map<int, std::pair<double, double>> newest;  // lane -> (t, value)
  for (const auto& s : *series) {
    if (s.spec.quantity != "optical_power" || !s.spec.lane || s.sample_count == 0) continue;
    auto last = reader->latest_samples(s.id, 1);
    REQUIRE(last);
    auto& n = newest.try_emplace(*s.spec.lane, -1e300, 0).first->second;
    if (last->back().t_s >= n.first) n = {last->back().t_s, last->back().value};
  }
  std::map<int, double> out;
  for (const auto& [lane, tv] : newest) out[lane] = tv.second;
  return out;
}

std::string ctl(const std::string& command, const std::string& uuid) { return run_ledlab("ctl " + command + " " + uuid).out; }

// Aborts the run and waits until the store says it has ended (the run outlived the dashboard).
void abort_and_wait(const fs::path& db, const std::string& uuid) {
  ctl("abort", uuid);
  for (int i = 0; i < 300; ++i) {
    auto reader = ledlab::db::Reader::open(db);
    if (reader) {
      auto run = reader->find_run(uuid);
      if (run && run->status != ledlab::db::RunStatus::running) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("run " << uuid << " did not end within 30 s of `ledlab ctl abort`");
}

}  // namespace

TEST_CASE("the dashboard starts a run, pauses it from its command path, and maps the stored lane powers", "[gui]") {
  const fs::path dir = scratch("start_pause");
  const fs::path station = slow_station(dir);
  const auto ran = run_shell(gui(dir, "--station " + station.string() +
                                      " --start " LEDLAB_SOURCE_DIR "/sequences/power_vs_temperature.lua"
                                      " -p temps=25,35,45,55,65,75,85 -p soak_s=60 --pause --frames 5"));
  INFO(ran.out);
  REQUIRE(ran.code == 0);
  const json layout = read_json(dir / "layout.json");
  const std::string uuid = layout.at("run_uuid").get<std::string>();
  REQUIRE(uuid.size() == 36);
  CHECK(layout.at("state") == "paused");

  // The engine is paused, and stays paused after the dashboard has gone.
  CHECK(ctl("status", uuid).starts_with("paused"));
  {
    auto reader = ledlab::db::Reader::open(dir / "store.sqlite");
    REQUIRE(reader);
    auto run = reader->find_run(uuid);
    REQUIRE(run);
    CHECK(run->status == ledlab::db::RunStatus::running);
    auto events = reader->events(run->id);
    REQUIRE(events);
    bool paused = false;
    for (const auto& e : *events) paused |= e.kind == ledlab::db::EventKind::operator_action && e.message.starts_with("paused by");
    CHECK(paused);
  }

  // The lane map: the metric's range is the stored values' range over the live lanes, and
  // chosen lanes have the colour the colour map gives their stored value. Dead lanes (dark
  // under the sequences' dead threshold, 1e-6 W by default) are grey and off the scale.
  REQUIRE(layout.at("metric") == "optical power");
  const auto powers = stored_powers(dir / "store.sqlite", uuid);
  REQUIRE(powers.size() == 400);
  double lo = 1e300, hi = -1e300;
  int lowest = 0, highest = 0;
  std::vector<int> dead;
  for (const auto& [lane, v] : powers) {
    if (v < 1e-6) {
      dead.push_back(lane);
      continue;
    }
    if (v < lo) lo = v, lowest = lane;
    if (v > hi) hi = v, highest = lane;
  }
  CHECK(layout.at("lo").get<double>() == Approx(lo).epsilon(1e-12));
  CHECK(layout.at("hi").get<double>() == Approx(hi).epsilon(1e-12));
  int w = 0, h = 0, n = 0;
  unsigned char* png = stbi_load((dir / "shot.png").c_str(), &w, &h, &n, 3);
  REQUIRE(png);
  CHECK(w == 1600);
  CHECK(h == 1000);
  const auto& cells = layout.at("cells");
  REQUIRE(cells.size() == 400);
  for (int lane : {1, 20, 57, 200, 381, 400, lowest, highest}) {
    const auto& cell = cells.at(static_cast<std::size_t>(lane - 1));
    REQUIRE(cell.at("lane") == lane);
    INFO("lane " << lane);
    CHECK(cell.at("value").get<double>() == Approx(powers.at(lane)).epsilon(1e-12));
    const ledlab::gui::Rgb want = ledlab::gui::lane_colour(powers.at(lane), lo, hi, false, false);
    const int x = static_cast<int>((cell.at("x0").get<double>() + cell.at("x1").get<double>()) / 2);
    const int y = static_cast<int>((cell.at("y0").get<double>() + cell.at("y1").get<double>()) / 2);
    REQUIRE(x >= 0);
    REQUIRE(x < w);
    REQUIRE(y >= 0);
    REQUIRE(y < h);
    const unsigned char* px = png + (static_cast<std::ptrdiff_t>(y) * w + x) * 3;
    CHECK(std::abs(px[0] - want.r) <= 2);
    CHECK(std::abs(px[1] - want.g) <= 2);
    CHECK(std::abs(px[2] - want.b) <= 2);
  }
  for (int lane : dead) {
    const auto& cell = cells.at(static_cast<std::size_t>(lane - 1));
    INFO("dead lane " << lane);
    CHECK(cell.at("mark") == "dead");
    const int x = static_cast<int>((cell.at("x0").get<double>() + cell.at("x1").get<double>()) / 2);
    const int y = static_cast<int>((cell.at("y0").get<double>() + cell.at("y1").get<double>()) / 2);
    const unsigned char* px = png + (static_cast<std::ptrdiff_t>(y) * w + x) * 3;
    CHECK(std::abs(px[0] - ledlab::gui::dead_colour.r) <= 2);
    CHECK(std::abs(px[2] - ledlab::gui::dead_colour.b) <= 2);
  }
  // The extremes differ: the check above could not pass with a uniform map.
  const auto cl = ledlab::gui::lane_colour(lo, lo, hi, false, false), ch = ledlab::gui::lane_colour(hi, lo, hi, false, false);
  CHECK(std::abs(cl.g - ch.g) > 100);
  stbi_image_free(png);
  abort_and_wait(dir / "store.sqlite", uuid);
}

TEST_CASE("the dashboard attaches to a run that a headless ledlab run is executing", "[gui]") {
  const fs::path dir = scratch("attach");
  const fs::path station = slow_station(dir);
  HeadlessRun run("run " LEDLAB_SOURCE_DIR "/sequences/power_vs_temperature.lua --station " + station.string() +
                      " --sim -p temps=25,45,65,85 -p soak_s=60 --db " + (dir / "store.sqlite").string(),
                  (dir / "run.log").string());
  REQUIRE(run.wait_for(" started"));
  std::istringstream first(run.text());
  std::string word, uuid;
  first >> word >> uuid;
  REQUIRE(uuid.size() == 36);
  const auto ran = run_shell(gui(dir, "--attach " + uuid.substr(0, 8) + " --frames 3"));
  INFO(ran.out);
  REQUIRE(ran.code == 0);
  const json layout = read_json(dir / "layout.json");
  CHECK(layout.at("run_uuid") == uuid);
  CHECK(layout.at("cells").size() == 400);
  // The dashboard only watched: the run goes on (or has finished on its own).
  int status = 0;
  if (waitpid(run.pid, &status, WNOHANG) == 0) {
    CHECK(ctl("status", uuid).starts_with("running"));
    ctl("abort", uuid);
    CHECK(run.exit_code() == 4);  // aborted
  } else {
    CHECK(WEXITSTATUS(status) == 0);  // finished on its own while the dashboard watched
  }
}

TEST_CASE("ledlab gui refuses a UI scale that is not a number from 0.5 to 4", "[gui]") {
  for (const char* bad : {"0.1", "10", "nan", "-1"}) {
    INFO("--scale " << bad);
    const auto ran = run_ledlab(std::string("gui --db /nonexistent/store.sqlite --scale ") + bad);
    CHECK(ran.code == 2);
    CHECK(ran.out.find("--scale") != std::string::npos);
    CHECK(ran.out.find("0.5 to 4") != std::string::npos);
  }
}
