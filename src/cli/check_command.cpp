#include "cli/check_command.hpp"

#include "cli/commands.hpp"
#include "engine/preflight.hpp"
#include "engine/run/run_inputs.hpp"
#include "engine/station.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <chrono>
#include <iostream>

namespace ledlab::cli {

namespace asio = boost::asio;

namespace {

struct CheckLine {
  std::string name, kind, address, idn, reading, problem;
  double latency_ms = 0;
  std::vector<scpi::InstrumentError> errors;
  bool reachable = false;
  std::string_view id_label = "*IDN?";  // what identified it and timed it: a model without
  std::string_view probe = "*OPC?";     // IEEE 488.2 uses its own queries
};

asio::awaitable<CheckLine> check_one(instruments::Instrument& inst, bool read) {
  CheckLine line{inst.name(), inst.kind(), inst.config().address, {}, {}, {}, 0, {}, false};
  auto init = co_await inst.attach();
  if (!init) {
    line.problem = init.error().describe();
    line.reachable = inst.session().connected();
    co_return line;
  }
  line.reachable = true;
  if (!inst.speaks_ieee488()) line.id_label = "identity", line.probe = "heartbeat";
  line.idn = inst.identity() ? inst.identity()->raw : "";
  constexpr int kRounds = 10;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    // *OPC? where the instrument has it; a model without IEEE 488.2 commands its own query.
    Status r;
    if (inst.speaks_ieee488()) {
      auto opc = co_await inst.session().query("*OPC?");
      if (!opc) r = fail(opc.error());
    } else {
      r = co_await inst.heartbeat();
    }
    if (!r) {
      line.problem = r.error().describe();
      co_return line;
    }
  }
  line.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / kRounds;
  if (read) {
    auto reading = co_await inst.sample_reading();
    if (reading) line.reading = *reading;
    else line.problem = reading.error().describe();
  }
  if (!inst.speaks_ieee488()) co_return line;  // no error queue: each command was answered
  auto errors = co_await inst.session().drain_errors();
  if (errors) line.errors = *errors;
  else if (line.problem.empty()) line.problem = errors.error().describe();
  co_return line;
}

}  // namespace

int check_station(const engine::StationConfig& config, bool read, std::ostream& out) {
  asio::io_context io;
  auto station = engine::Station::create(config, io.get_executor());
  if (!station) {
    fmt::print(out, "error: {}\n", station.error().describe());
    return 2;
  }
  // All instruments are checked concurrently: a dead one costs its timeout once, not per line.
  std::vector<std::future<CheckLine>> futures;
  for (const auto& inst : (*station)->instruments())
    futures.push_back(asio::co_spawn(io, check_one(*inst, read), asio::use_future));
  io.run();
  int unreachable = 0, faulty = 0;
  for (auto& f : futures) {
    const CheckLine l = f.get();
    fmt::print(out, "{:<12} {:<18} {}\n", l.name, l.kind, l.address);
    if (!l.idn.empty()) fmt::print(out, "    {:<8} {}\n", l.id_label, l.idn);
    if (l.latency_ms > 0) fmt::print(out, "    latency  {:.3f} ms per {} round trip\n", l.latency_ms, l.probe);
    if (!l.reading.empty()) fmt::print(out, "    reading  {}\n", l.reading);
    for (const auto& e : l.errors) fmt::print(out, "    error    {},\"{}\"\n", e.code, e.message);
    if (!l.problem.empty()) fmt::print(out, "    PROBLEM  {}\n", l.problem);
    if (!l.reachable) ++unreachable;
    else if (!l.problem.empty() || !l.errors.empty()) ++faulty;
  }
  fmt::print(out, "{} instrument(s): {} unreachable, {} with errors\n", futures.size(), unreachable, faulty);
  return unreachable > 0 ? 1 : (faulty > 0 ? 3 : 0);
}

int check_sequence(const engine::StationConfig& config, const std::filesystem::path& sequence,
                   const lua::Overrides& overrides, bool simulate, std::ostream& out) {
  auto script = lua::SequenceScript::load_file(sequence);
  if (!script) {
    fmt::print(out, "error: {}\n", script.error().describe());
    return 2;
  }
  auto needs = engine::sequence_needs(*script, overrides);
  if (!needs) {
    fmt::print(out, "error: {}\n", needs.error().describe());
    return 2;
  }
  if (!needs->declared)
    fmt::print(out, "note: {} declares no needs{{}}: nothing to compare with the station\n", script->name());
  auto check = engine::check_station_for(config, *needs, simulate);
  if (!check) {
    fmt::print(out, "error: {}\n", check.error().describe());
    return 1;
  }
  fmt::print(out, "{}\n", engine::describe(*check));
  return engine::all_ok(check->reports) ? 0 : 2;
}

engine::StationConfig load_station_or_exit(const std::string& path) {
  auto station = engine::load_station(path);
  if (!station) {
    fmt::print(std::cerr, "error: {}\n", station.error().message);
    throw Exit{2};
  }
  return std::move(*station);
}

void register_check_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Connect to every instrument of a station: *IDN?, latency, SCPI errors; "
                                           "with --sequence, the pre-flight check of a sequence against it");
  auto station_path = std::make_shared<std::string>();
  auto read = std::make_shared<bool>(false);
  auto sequence = std::make_shared<std::string>();
  auto params = std::make_shared<std::vector<std::string>>();
  auto sim = std::make_shared<bool>(false);
  cmd->add_option("--station", *station_path, "station file (TOML)")->required();
  auto* read_flag = cmd->add_flag("--read", *read, "also take one reading from each instrument");
  auto* seq = cmd->add_option("--sequence", *sequence,
                              "compare what this sequence needs (needs{}) with what the station's drivers declare, "
                              "changing no setting; exit 2 when it cannot run")
                  ->excludes(read_flag);
  cmd->add_option("-p,--param", *params, "parameter override name=value (repeatable), as for ledlab run")->needs(seq);
  cmd->add_flag("--sim", *sim, "check against the station's simulated twins, served in-process")->needs(seq);
  cmd->callback([=] {
    const auto station = load_station_or_exit(*station_path);
    if (!sequence->empty()) throw Exit{check_sequence(station, *sequence, parse_params_or_exit(*params), *sim, std::cout)};
    throw Exit{check_station(station, *read, std::cout)};
  });
}

}  // namespace ledlab::cli
