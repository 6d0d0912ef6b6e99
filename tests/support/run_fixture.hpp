#pragma once
// Test fixture for whole runs: a station's twins served from their own thread over loopback
// (as `ledlab sim` would), and run_sequence() against them, with the run in a thread of its
// own when the test must act on the bench while the run goes on.
#include "engine/run/run_sequence.hpp"
#include "engine/sim_station.hpp"
#include "support/paths.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

namespace ledlab::test {

struct Twins {
  boost::asio::io_context io;
  std::unique_ptr<engine::SimulatedStation> sim;
  std::thread thread;

  explicit Twins(const std::function<void(engine::StationConfig&)>& adjust = {}) {
    auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
    REQUIRE(station);
    if (adjust) adjust(*station);
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

// A request for `text` saved as <build>/<name>, against the twins (their actual ports), into
// a fresh <build>/<db>.
inline engine::RunRequest request_for(Twins& twins, const std::string& name, const std::string& text,
                                      const std::string& db) {
  const std::string script = in_build(name);
  std::ofstream(script) << text;
  remove_db(in_build(db));
  engine::RunRequest req;
  req.script = script;
  req.station = twins.sim->config();
  req.db = in_build(db);
  return req;
}

// The store is <name>.sqlite unless given: ctest runs tests in parallel, so no two share one.
inline int run_script(Twins& twins, const std::string& name, const std::string& text, std::string& output,
                      const std::string& db = {}) {
  std::ostringstream out;
  const int rc = engine::run_sequence(request_for(twins, name, text, db.empty() ? name + ".sqlite" : db), out);
  output = out.str();
  return rc;
}

}  // namespace ledlab::test
