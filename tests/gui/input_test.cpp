// The real dashboard window under Xvfb, driven with input events (xdotool: pointer motion,
// clicks, the wheel, typed text) as an operator drives it. `ledlab gui --ui-map FILE` says
// where its named widgets are; the test waits for that file to show each effect (polling it,
// with generous timeouts only as a safety net) and checks the store and the engine.
#include "db/reader.hpp"
#include "support/cli_process.hpp"
#include "support/slow_station.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ledlab::test::run_shell;
using ledlab::test::slow_station;

const std::string ledlab_exe = std::string(LEDLAB_BINARY_DIR) + "/ledlab";

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// `ledlab gui` in a window of its own Xvfb server, run by USER=alice, until the test ends.
class Window {
 public:
  Window(const fs::path& dir, const std::string& args) : dir_(dir), map_(dir / "ui.json") {
    const std::string inner = "echo \"$DISPLAY $XAUTHORITY\" > " + (dir / "display").string() + "; echo $$ > " +
                              (dir / "gui.pid").string() + "; exec " + ledlab_exe + " gui --ui-map " + map_.string() +
                              " " + args;
    const std::string cmd = "exec env USER=alice " + ledlab::test::xvfb_run() + "sh -c '" + inner + "' > " +
                            (dir / "gui.log").string() + " 2>&1 < /dev/null";
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // The window is up (and its display known) once it has written its first ui map.
    wait("the first ui map", [](const json& m) { return m.contains("widgets"); });
    std::istringstream env(slurp(dir / "display"));
    env >> display_ >> xauthority_;
    REQUIRE_FALSE(display_.empty());
    gui_pid_ = std::stoll(slurp(dir / "gui.pid"));
  }
  ~Window() {
    if (gui_pid_ > 0) ::kill(static_cast<pid_t>(gui_pid_), SIGTERM);  // xvfb-run then stops its server
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  long long gui_pid() const { return gui_pid_; }

  // The ui map once `ready` holds for it; fails after `seconds` with the last map and the log.
  json wait(const std::string& what, const std::function<bool(const json&)>& ready, int seconds = 60) {
    json last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds * ledlab::test::kSanitizerSlowdown);
    while (std::chrono::steady_clock::now() < deadline) {
      // Written through a rename: a file that exists is whole.
      last = json::parse(slurp(map_), nullptr, false);
      if (last.is_object() && ready(last)) return last;
      int status = 0;
      if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("the dashboard exited while waiting for " << what << ": " << slurp(dir_ / "gui.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling the file, not settling
    }
    FAIL("no " << what << " within " << seconds << " s; ui map: "
               << (last.is_object() ? last.dump().substr(0, 2000) : "none") << "\nlog: " << slurp(dir_ / "gui.log"));
    return last;
  }

  void xdotool(const std::string& args) {
    const auto r = run_shell("DISPLAY=" + display_ + " XAUTHORITY=" + xauthority_ + " xdotool " + args);
    INFO(r.out);
    REQUIRE(r.code == 0);
  }

  // The pointer to the middle of a rect in window pixels, once the dashboard has seen it there
  // (so that the click that follows lands on what is under it).
  void point_at(const json& map, const json& rect) {
    const int x = static_cast<int>((rect.at(0).get<double>() + rect.at(2).get<double>()) / 2);
    const int y = static_cast<int>((rect.at(1).get<double>() + rect.at(3).get<double>()) / 2);
    xdotool("mousemove " + std::to_string(x + map.at("window").at(0).get<int>()) + " " +
            std::to_string(y + map.at("window").at(1).get<int>()));
    wait("the pointer at " + std::to_string(x) + "," + std::to_string(y), [&](const json& m) {
      return static_cast<int>(m.at("mouse").at(0).get<double>()) == x &&
             static_cast<int>(m.at("mouse").at(1).get<double>()) == y;
    });
  }

  // Points at what `rect` finds in the map ([x0, y0, x1, y1], null while absent) until the
  // dashboard sees the pointer inside it (a table's columns settle over its first frames,
  // moving what is in them; a popup places itself on its second), then clicks `button`.
  void click_at(const std::string& what, const std::function<json(const json&)>& rect, int button = 1) {
    const auto find = [&] { return wait(what, [&](const json& m) { return !rect(m).is_null(); }); };
    for (int attempt = 0; attempt < 20; ++attempt) {
      json map = find();
      point_at(map, rect(map));
      map = find();
      const json r = rect(map);
      const double x = map.at("mouse").at(0).get<double>(), y = map.at("mouse").at(1).get<double>();
      if (x >= r.at(0).get<double>() && x < r.at(2).get<double>() && y >= r.at(1).get<double>() && y < r.at(3).get<double>()) {
        xdotool("click " + std::to_string(button));
        return;
      }
    }
    FAIL(what << " kept moving away from the pointer");
  }

  void click(const std::string& name, int button = 1) {
    click_at("the widget " + name, [&](const json& m) { return m.at("widgets").value(name, json()); }, button);
  }

  // Replaces a text field's contents: a click selects all of it, typing replaces it.
  void type_into(const std::string& name, const std::string& text) {
    click(name);
    wait("the field " + name + " taking the keyboard", [&](const json& m) { return m.at("active") == name; });
    xdotool("type --delay 20 '" + text + "'");
  }

 private:
  fs::path dir_, map_;
  pid_t pid_ = -1;
  long long gui_pid_ = -1;
  std::string display_, xauthority_;
};

std::string state(const json& m) { return m.value("state", ""); }

std::vector<std::string> operator_events(const fs::path& db, const std::string& uuid) {
  auto reader = ledlab::db::Reader::open(db);
  REQUIRE(reader);
  auto run = reader->find_run(uuid);
  REQUIRE(run);
  auto events = reader->events(run->id);
  REQUIRE(events);
  std::vector<std::string> out;
  for (const auto& e : *events)
    if (e.kind == ledlab::db::EventKind::operator_action) out.push_back(e.message);
  return out;
}

// Whether the run's operator events include `text`. The engine commits an action's event
// before it answers the command, so the first read normally has it; the polling and its
// timeout are a safety net, and on failure the events there are go into the report.
bool stored_event(const fs::path& db, const std::string& uuid, const std::string& text) {
  std::vector<std::string> events;
  for (int i = 0; i < 600 * ledlab::test::kSanitizerSlowdown; ++i, std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    events = operator_events(db, uuid);
    for (const auto& e : events)
      if (e.find(text) != std::string::npos) return true;
  }
  for (const auto& e : events) UNSCOPED_INFO("operator event: " << e);
  return false;
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

TEST_CASE("an operator starts, pauses, resumes, zooms, picks a lane and aborts a run with the mouse and keyboard",
          "[gui][input]") {
  REQUIRE(run_shell("command -v xdotool").code == 0);  // missing: run third_party/install-deps.sh
  const fs::path dir = fs::path(LEDLAB_BINARY_DIR) / "gui-test" / "input";
  fs::remove_all(dir);
  fs::create_directories(dir / "runs");
  fs::create_directories(dir / "sequences");
  ::setenv("LEDLAB_RUN_DIR", (dir / "runs").c_str(), 1);  // the dashboard and its run inherit it
  fs::copy_file(LEDLAB_SOURCE_DIR "/sequences/power_vs_temperature.lua", dir / "sequences/power_vs_temperature.lua");
  const fs::path station = slow_station(dir);
  const fs::path db = dir / "store.sqlite";
  Window window(dir, "--db " + db.string() + " --station " + station.string() + " --sequences " +
                         (dir / "sequences").string() + " --size 1600x1000");

  // The form: no run on display, so the dashboard's station, the login name, simulated.
  json map = window.wait("the run form", [](const json& m) { return m.at("form").at("station") != ""; });
  CHECK(map.at("form").at("station") == station.string());
  CHECK(map.at("form").at("operator") == "alice");
  CHECK(map.at("form").at("simulate") == true);
  // The simulate checkbox follows the clicks.
  window.click("simulate");
  window.wait("simulation off", [](const json& m) { return m.at("form").at("simulate") == false; });
  window.click("simulate");
  window.wait("simulation on", [](const json& m) { return m.at("form").at("simulate") == true; });

  // A station file that is not there is refused in words, and nothing starts.
  window.type_into("station", "nosuch.toml");
  window.wait("the typed station", [](const json& m) { return m.at("form").at("station") == "nosuch.toml"; });
  window.click("start");
  map = window.wait("the refusal", [](const json& m) { return m.value("notice", "").find("nosuch.toml") != std::string::npos; });
  CHECK(map.at("notice") == "cannot start: station file nosuch.toml: no such file");
  CHECK(map.at("run_uuid") == "");
  window.type_into("station", station.string());

  window.type_into("dut", "DUT-0042");
  window.type_into("operator", "bob");
  window.type_into("param:temps", "25,45,65,85");
  window.wait("the typed form", [&](const json& m) {
    const json& f = m.at("form");
    return f.at("station") == station.string() && f.at("dut") == "DUT-0042" && f.at("operator") == "bob" &&
           f.at("params").value("temps", "") == "25,45,65,85";
  });

  {
    // Start: the store has the run with the DUT, the operator and the parameters typed.
    window.click("start");
    map = window.wait("the started run, live", [](const json& m) {
      return m.at("run_uuid") != "" && m.at("attached") == true && state(m) == "running";
    });
    const std::string uuid = map.at("run_uuid");
    // A check that fails below leaves no run going on in the background.
    struct AbortAtEnd {
      std::string uuid;
      ~AbortAtEnd() { ledlab::test::run_ledlab("ctl abort " + uuid); }
    } abort_at_end{uuid};
    {
      auto reader = ledlab::db::Reader::open(db);
      REQUIRE(reader);
      auto run = reader->find_run(uuid);
      REQUIRE(run);
      CHECK(run->dut_serial == "DUT-0042");
      CHECK(run->operator_name == "bob");
      CHECK(json::parse(run->parameters_json).at("temps") == json({25, 45, 65, 85}));
      CHECK(json::parse(run->station_json).at("simulated") == true);
    }
    const std::string who = "alice via dashboard on host " + host_name() + " (pid " + std::to_string(window.gui_pid()) + ")";
    CHECK(stored_event(db, uuid, "started by " + who));

    // Pause and resume: the engine's state changes and the event log names who did it.
    window.click("pause");
    window.wait("the paused state", [](const json& m) { return state(m) == "paused"; });
    CHECK(stored_event(db, uuid, "paused by " + who));
    window.click("resume");
    window.wait("the running state again", [](const json& m) { return state(m) == "running"; });
    CHECK(stored_event(db, uuid, "resumed by " + who));

    // Zoom: the wheel over a plot with data narrows its x range.
    map = window.wait("a plot with data", [](const json& m) {
      for (const auto& [name, rect] : m.at("widgets").items())
        if (name.starts_with("plot:") && m.at("views").contains(name.substr(5))) return true;
      return false;
    });
    std::string plot;
    for (const auto& [name, rect] : map.at("widgets").items())
      if (name.starts_with("plot:") && map.at("views").contains(name.substr(5))) plot = name.substr(5);
    const json before = map.at("views").at(plot);
    const double width = before.at("x1").get<double>() - before.at("x0").get<double>();
    REQUIRE(width > 0);
    for (int notch = 0; notch < 3; ++notch) window.click("plot:" + plot, 4);  // button 4: the wheel, away from the user
    map = window.wait("a zoomed plot", [&](const json& m) {
      const json& v = m.at("views").at(plot);
      return v.at("auto_fit") == false && v.at("x1").get<double>() - v.at("x0").get<double>() < 0.9 * width;
    });
    INFO("plot " << plot << " before " << before.dump() << " after " << map.at("views").at(plot).dump());
    CHECK(map.at("views").at(plot).at("x1").get<double>() - map.at("views").at(plot).at("x0").get<double>() < 0.9 * width);

    // A lane: a click on its cell of the array map selects it.
    window.click_at("lane 57 on the map", [](const json& m) {
      for (const auto& c : m.at("cells"))
        if (c.at("lane") == 57) return json::array({c.at("x0"), c.at("y0"), c.at("x1"), c.at("y1")});
      return json();
    });
    window.wait("lane 57 selected", [](const json& m) { return m.at("selected_lane") == 57; });

    // Abort, confirmed in its popup: the run ends aborted, and says by whom.
    window.click("abort");
    window.click("abort_confirm");
    window.wait("the aborted state", [](const json& m) { return state(m) == "aborted"; });
    auto reader = ledlab::db::Reader::open(db);
    REQUIRE(reader);
    auto run = reader->find_run(uuid);
    REQUIRE(run);
    CHECK(run->status == ledlab::db::RunStatus::aborted);
    CHECK(stored_event(db, uuid, "abort: aborted by " + who));
  }
}

TEST_CASE("an operator answers a run's prompt with a click on its choice in the dashboard's modal", "[gui][input]") {
  REQUIRE(run_shell("command -v xdotool").code == 0);  // missing: run third_party/install-deps.sh
  const fs::path dir = fs::path(LEDLAB_BINARY_DIR) / "gui-test" / "prompt";
  fs::remove_all(dir);
  fs::create_directories(dir / "runs");
  ::setenv("LEDLAB_RUN_DIR", (dir / "runs").c_str(), 1);  // the run and the dashboard inherit it
  const fs::path db = dir / "store.sqlite";
  const fs::path script = dir / "prompt.lua";
  std::ofstream(script) << "local c = prompt{text = 'Move the fibre bundle to block B', choices = {'OK', 'Skip'}}\n"
                           "log('chose ' .. c)\n";
  ledlab::test::HeadlessRun run("run " + script.string() + " --station " LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml --sim --db " +
                                    db.string(),
                                (dir / "run.log").string());
  REQUIRE(run.wait_for("waiting for operator: Move the fibre bundle to block B", 30));
  const std::string uuid = run.text().substr(4, 36);  // "run <uuid> started: ..."
  struct AbortAtEnd {
    std::string uuid;
    ~AbortAtEnd() { ledlab::test::run_ledlab("ctl abort " + uuid); }
  } abort_at_end{uuid};

  Window window(dir, "--db " + db.string() + " --attach " + uuid + " --size 1600x1000");
  // The modal: the question and one button per choice, in front of everything else.
  json map = window.wait("the prompt's modal", [](const json& m) {
    return m.value("prompt", json()) == "Move the fibre bundle to block B" && m.at("widgets").contains("prompt:Skip");
  });
  CHECK(state(map) == "waiting for operator");
  CHECK(map.at("widgets").contains("prompt:OK"));
  window.click("prompt:Skip");
  // The script has its answer and ends; the modal goes with the prompt.
  CHECK(run.exit_code() == 0);
  CHECK_THAT(run.text(), Catch::Contains("chose Skip"));
  const std::string who = "alice via dashboard on host " + host_name() + " (pid " + std::to_string(window.gui_pid()) + ")";
  CHECK(stored_event(db, uuid, "answered 'Skip' by " + who + " to: Move the fibre bundle to block B"));
  window.wait("the modal gone", [](const json& m) { return m.value("prompt", json()).is_null() && !m.at("widgets").contains("prompt:Skip"); });
}
