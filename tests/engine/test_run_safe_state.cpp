// Every end of a run leaves the instruments safe, checked on the twins themselves.
#include "engine/run/run_sequence.hpp"
#include "engine/sim_station.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

using namespace ledlab;

namespace {

struct Twins {
  boost::asio::io_context io;
  std::unique_ptr<engine::SimulatedStation> sim;
  std::thread thread;

  Twins() {
    auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
    REQUIRE(station);
    auto started = engine::SimulatedStation::start(io, *station, std::make_shared<Clock>(station->time_scale),
                                                   engine::SimulatedStation::Ports::any_free);
    REQUIRE(started);
    sim = std::move(*started);
    thread = std::thread([this] {
      auto work = boost::asio::make_work_guard(io);
      io.run();
    });
  }
  ~Twins() {
    boost::asio::post(io, [this] { sim->stop(); });
    io.stop();
    thread.join();
  }
};

int run_script(Twins& twins, const std::string& name, const std::string& text, std::string& output) {
  const std::string script = std::string(LEDLAB_BINARY_DIR) + "/" + name;
  std::ofstream(script) << text;
  engine::RunRequest req;
  req.script = script;
  req.station = twins.sim->config();  // the twins' actual ports; they run outside the run
  req.db = std::string(LEDLAB_BINARY_DIR) + "/safe-state.sqlite";
  std::ostringstream out;
  const int rc = engine::run_sequence(req, out);
  output = out.str();
  return rc;
}

void check_safe(Twins& twins) {
  const auto bench = twins.sim->bench();
  CHECK_FALSE(bench->drive().output_on);
  CHECK(bench->drive().bias_current_a == 0);
  CHECK(bench->chamber_setpoint_c() == 25);  // the station's safe temperature
}

constexpr const char* kHeatAndDrive = "chamber.set_setpoint(85)\npg.set_drive(8e-3, 4e-3)\npg.output(true)\n";

}  // namespace

TEST_CASE("a finished run leaves the drive off and the chamber at its safe temperature") {
  Twins twins;
  std::string out;
  CHECK(run_script(twins, "safe_finish.lua", kHeatAndDrive, out) == 0);
  INFO(out);
  check_safe(twins);
}

TEST_CASE("a failed run leaves the instruments safe too") {
  Twins twins;
  std::string out;
  CHECK(run_script(twins, "safe_fail.lua", std::string(kHeatAndDrive) + "error('lost the DUT')\n", out) == 1);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("safe_fail.lua:4: lost the DUT"));
  check_safe(twins);
}

TEST_CASE("a run whose instrument call is refused by a safety limit ends failed and safe") {
  Twins twins;
  std::string out;
  CHECK(run_script(twins, "safe_limit.lua", std::string(kHeatAndDrive) + "chamber.set_setpoint(200)\n", out) == 1);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("chamber"));
  check_safe(twins);
}
