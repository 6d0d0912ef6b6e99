// The run form: filled from the run on display, and what Start asks `ledlab run` for.
#include "gui/core/run_form.hpp"
#include "gui/core/run_launcher.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;
using namespace ledlab::gui;
namespace fs = std::filesystem;

namespace {

db::RunRecord stored_run() {
  db::RunRecord run;
  run.id = 7;
  run.sequence = "power_vs_temperature";
  run.parameters_json = R"({"temps":[25,45,85],"soak_s":60,"bias_a":0.005,"label":"hot"})";
  run.station_json = R"({"source":"/lab/stations/bench3.toml","name":"bench3","simulated":false})";
  run.dut_serial = "DUT-0042";
  run.operator_name = "bob";
  return run;
}

SequenceEntry sequence() {
  SequenceEntry s{"sequences/power_vs_temperature.lua", "power_vs_temperature", {}, {}};
  s.params.push_back({.name = "temps", .default_value = nlohmann::json::array({25, 55, 85})});
  s.params.push_back({.name = "soak_s", .default_value = 300});
  s.params.push_back({.name = "bias_a", .default_value = 5e-3});
  return s;
}

}  // namespace

TEST_CASE("the run form is filled from the displayed run's station file, DUT, operator, simulation and parameters") {
  const RunForm form = form_from_run(stored_run(), blank_form("/lab/stations/default.toml", "alice"));
  CHECK(form.sequence == "power_vs_temperature");
  CHECK(form.station == "/lab/stations/bench3.toml");
  CHECK(form.dut_serial == "DUT-0042");
  CHECK(form.operator_name == "bob");
  CHECK_FALSE(form.simulate);
  CHECK(form.params.at("temps") == "25,45,85");
  CHECK(form.params.at("soak_s") == "60");
  CHECK(form.params.at("bias_a") == "0.005");
  CHECK(form.params.at("label") == "hot");
}

TEST_CASE("a run stored without station source or operator keeps the dashboard's defaults for them") {
  db::RunRecord run = stored_run();
  run.station_json = "{}";
  run.operator_name.clear();
  const RunForm form = form_from_run(run, blank_form("/lab/stations/default.toml", "alice"));
  CHECK(form.station == "/lab/stations/default.toml");
  CHECK(form.operator_name == "alice");
  CHECK(form.simulate);
}

TEST_CASE("Start sends the form's station, DUT, operator, simulation and the parameters that differ from defaults") {
  RunForm form = form_from_run(stored_run(), blank_form("", "alice"));
  const StartRun start = start_request(form, sequence(), form.params);
  CHECK(start.script == "sequences/power_vs_temperature.lua");
  CHECK(start.station == "/lab/stations/bench3.toml");
  CHECK(start.dut_serial == "DUT-0042");
  CHECK(start.operator_name == "bob");
  CHECK_FALSE(start.simulate);
  CHECK(start.params.size() == 2);  // bias_a is at its default; label is not this sequence's
  CHECK(start.params.at("temps") == "25,45,85");
  CHECK(start.params.at("soak_s") == "60");
}

TEST_CASE("a run started without simulation is launched without --sim, with its DUT, operator and starter") {
  const fs::path dir = fs::temp_directory_path() / ("ledlab-launch-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // A stand-in for ledlab that writes the arguments it was given, one a line.
  const fs::path fake = dir / "fake-ledlab";
  std::ofstream(fake) << "#!/bin/sh\n{ for a in \"$@\"; do echo \"$a\"; done; echo \"via=$LEDLAB_STARTED_VIA by=$LEDLAB_STARTED_BY_PID\"; } > "
                      << (dir / "args").string() << "\n";
  fs::permissions(fake, fs::perms::owner_all);
  for (const bool simulate : {false, true}) {
    fs::remove(dir / "args");
    auto launched = launch_run({.ledlab = fake, .script = "seq.lua", .station = "bench3.toml", .db = dir / "store.sqlite",
                                .simulate = simulate, .params = {{"soak_s", "60"}}, .dut_serial = "DUT 7",
                                .operator_name = "bob"});
    REQUIRE(launched);
    int status = 0;
    REQUIRE(::waitpid(launched->pid, &status, 0) == launched->pid);
    REQUIRE(WIFEXITED(status));
    std::ifstream in(dir / "args");
    std::stringstream text;
    text << in.rdbuf();
    const std::string args = text.str();
    INFO(args);
    CHECK((args.find("--sim\n") != std::string::npos) == simulate);
    CHECK_THAT(args, Catch::Contains("--dut\nDUT 7\n"));
    CHECK_THAT(args, Catch::Contains("--operator\nbob\n"));
    CHECK_THAT(args, Catch::Contains("-p\nsoak_s=60\n"));
    // The run's "started by" event names the dashboard and its process.
    CHECK_THAT(args, Catch::Contains("via=dashboard by=" + std::to_string(::getpid()) + "\n"));
  }
  fs::remove_all(dir);
}
