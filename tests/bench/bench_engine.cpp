// Engine overhead per instrument call: a sequence calling opm.read(1) in a Lua loop through the
// whole engine (run_sequence: sandbox, coroutine yield/resume, the call guard, the interlock
// monitor's heartbeat beside it, the store) against the same driver call made directly from
// C++, both over loopback TCP to the power meter's twin, measured in the same run. A third
// figure isolates the engine from the I/O: a host function that completes at once.
#include "db/reader.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/run/run_sequence.hpp"
#include "engine/sim_station.hpp"
#include "engine/station.hpp"
#include "instruments/power_meter/power_meter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

using namespace ledlab;
namespace asio = boost::asio;

namespace {

constexpr int kCalls = 20000;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "bench_engine: {}\n", what);
  std::exit(1);
}

double direct_calls(const engine::StationConfig& station) {
  asio::io_context io;
  auto created = engine::Station::create(station, io.get_executor());
  if (!created) die(created.error().describe());
  auto* pm = (*created)->get<instruments::PowerMeter>("opm");
  auto loop = [&]() -> asio::awaitable<double> {
    if (auto st = co_await pm->initialize(); !st) die(st.error().describe());
    (void)co_await pm->read_power_w(1);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i)
      if (auto r = co_await pm->read_power_w(1); !r) die(r.error().describe());
    co_return seconds_since(t0);
  };
  auto fut = asio::co_spawn(io, loop(), asio::use_future);
  io.run();
  return fut.get();
}

double engine_calls(const engine::StationConfig& station) {
  const std::string script = "bench_engine.lua";
  std::ofstream(script) << fmt::format(
      "opm.read(1)\nlocal t0 = now()\nfor i = 1, {} do opm.read(1) end\n"
      "result {{ name = 'loop_s', value = now() - t0, unit = 's' }}\n",
      kCalls);
  const std::string db = "bench_engine.sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  engine::RunRequest req;
  req.script = script;
  req.station = station;
  req.db = db;
  std::ostringstream out;
  if (engine::run_sequence(req, out) != 0) die("the engine run failed:\n" + out.str());
  auto reader = db::Reader::open(db);
  if (!reader) die(reader.error().describe());
  auto results = reader->results(reader->list_runs()->front().id);
  if (!results || results->empty()) die("no loop_s result");
  return results->front().value;
}

double noop_calls() {
  asio::io_context io;
  lua::SequenceRunner runner(lua::SequenceScript(
      fmt::format("local t0 = os.clock()\nfor i = 1, {} do dev.noop(i) end\n", kCalls), "noop.lua"));
  runner.add_async("dev.noop", [](nlohmann::json a) -> asio::awaitable<Result<nlohmann::json>> { co_return a; });
  const auto t0 = std::chrono::steady_clock::now();
  auto fut = asio::co_spawn(io, runner.run(), asio::use_future);
  io.run();
  if (fut.get().status != lua::RunStatus::finished) die("no-op run failed");
  return seconds_since(t0);
}

}  // namespace

int main() {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  if (!station) die(station.error().describe());
  station->time_scale = 1;  // now() in the script is wall time
  asio::io_context sim_io;
  auto sim = engine::SimulatedStation::start(sim_io, *station, std::make_shared<Clock>(1.0),
                                             engine::SimulatedStation::Ports::any_free);
  if (!sim) die(sim.error().describe());
  std::thread sim_thread([&] {
    auto work = asio::make_work_guard(sim_io);
    sim_io.run();
  });
  const auto config = (*sim)->config();

  const double direct = direct_calls(config);
  const double through_engine = engine_calls(config);
  const double noop = noop_calls();

  asio::post(sim_io, [&] { (*sim)->stop(); });
  sim_io.stop();
  sim_thread.join();

  const double per_direct = direct / kCalls * 1e6, per_engine = through_engine / kCalls * 1e6;
  fmt::print("{} calls of opm.read(1) (MEAS:POW? over loopback TCP to the twin):\n", kCalls);
  fmt::print("  direct driver call (C++ coroutine):      {:8.2f} us/call\n", per_direct);
  fmt::print("  Lua sequence through the engine:         {:8.2f} us/call   ratio {:.2f}x direct\n", per_engine,
             per_engine / per_direct);
  fmt::print("  engine overhead per call:                {:8.2f} us\n", per_engine - per_direct);
  fmt::print("  Lua + runner, no-op host function:       {:8.2f} us/call (no I/O)\n", noop / kCalls * 1e6);
  return 0;
}
