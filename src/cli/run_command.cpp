#include "cli/commands.hpp"
#include "cli/terminal_console.hpp"
#include "db/cli.hpp"
#include "engine/run/control_endpoint.hpp"
#include "engine/run/control_sender.hpp"
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <unistd.h>

namespace ledlab::cli {

lua::Overrides parse_params_or_exit(const std::vector<std::string>& params) {
  lua::Overrides overrides;
  for (const auto& p : params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(std::cerr, "error: -p {}: expected name=value\n", p);
      throw Exit{2};
    }
    overrides[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return overrides;
}

namespace {

// How long the engine loop may go unanswered and how much memory the script may take.
struct SafetyOptions {
  double watchdog_s = engine::RunRequest{}.watchdog_s;
  double script_memory_mib = static_cast<double>(lua::kDefaultMemoryLimit >> 20);
  void apply(engine::RunRequest& req) const {
    req.watchdog_s = watchdog_s;
    req.script_memory_bytes = static_cast<std::size_t>(script_memory_mib * (1 << 20));
  }
};

void add_safety_options(CLI::App& cmd, SafetyOptions& o) {
  cmd.add_option("--watchdog", o.watchdog_s,
                 "wall seconds the engine loop may go without answering before the watchdog stops the script, "
                 "then forces the safe state and exits 5; also how long SIGTERM may go unanswered (at most 2 s)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--script-memory", o.script_memory_mib, "MiB the sequence's Lua state may hold")
      ->check(CLI::Range(1.0, 1048576.0))
      ->capture_default_str();
}

// --sim-fault 'SECONDS INSTRUMENT LINE': the line is the rest, spaces and all.
std::vector<engine::RunRequest::SimFault> parse_faults_or_exit(const std::vector<std::string>& specs) {
  std::vector<engine::RunRequest::SimFault> out;
  for (const auto& spec : specs) {
    std::istringstream in(spec);
    engine::RunRequest::SimFault f;
    std::string at;
    in >> at >> f.instrument;
    std::getline(in >> std::ws, f.line);
    char* end = nullptr;
    f.at_s = std::strtod(at.c_str(), &end);
    if (at.empty() || *end != '\0' || !std::isfinite(f.at_s) || f.at_s < 0 || f.instrument.empty() || f.line.empty()) {
      fmt::print(std::cerr, "error: --sim-fault '{}': expected 'SECONDS INSTRUMENT LINE' with SECONDS >= 0\n", spec);
      throw Exit{2};
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

CLI::Validator time_scale_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double scale = 0;
        if (!CLI::detail::lexical_cast(text, scale)) return fmt::format("'{}' is not a number", text);
        return engine::time_scale_problem(scale);
      },
      fmt::format("in (0, {:g}]", engine::kMaxTimeScale), "time scale");
}

// `--dut SN` (one run) or `--dut A=SN1 --dut B=SN2` (a batch): not both forms at once.
void parse_duts_or_exit(const std::vector<std::string>& specs, engine::RunRequest& req) {
  const auto is_socket = [](const std::string& s) { return s.find('=') != std::string::npos; };
  const auto sockets = std::count_if(specs.begin(), specs.end(), is_socket);
  if (sockets == 0) {
    if (specs.size() > 1) {
      fmt::print(std::cerr, "error: --dut given {} times without sockets: name them, e.g. --dut A=SN1 --dut B=SN2\n",
                 specs.size());
      throw Exit{2};
    }
    if (!specs.empty()) req.dut_serial = specs.front();
    return;
  }
  for (const auto& spec : specs) {
    if (!is_socket(spec)) {
      fmt::print(std::cerr, "error: --dut '{}': in a batch every DUT names its socket, e.g. --dut A={}\n", spec, spec);
      throw Exit{2};
    }
    const auto eq = spec.find('=');
    req.duts.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
  }
}

void register_run_command(CLI::App& app) {
  struct Options {
    std::string script, station, db, operator_name, report;
    std::vector<std::string> duts;
    std::vector<std::string> params;
    std::vector<std::string> faults;
    bool sim = false;
    bool virtual_time = false;
    double time_scale = 0;
    SafetyOptions safety;
    LabShipping lab;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("run", "Run a sequence script against a station, recording into the results store");
  cmd->add_option("sequence", o->script, "sequence script (Lua), e.g. sequences/power_vs_temperature.lua")->required();
  cmd->add_option("--station", o->station, "station file (TOML)")->required();
  cmd->add_flag("--sim", o->sim, "serve the station's simulated twins in-process");
  cmd->add_option("-p,--param", o->params, "parameter override name=value (repeatable), e.g. -p temps=25,55,85");
  cmd->add_option("--time-scale", o->time_scale, "simulated seconds per wall second (default: the station's)")
      ->check(time_scale_check());
  cmd->add_flag("--virtual-time", o->virtual_time,
                "with --sim: discrete-event simulated time, as fast as the CPU allows and deterministic for the seed");
  cmd->add_option("--sim-fault", o->faults,
                  "with --sim: 'SECONDS INSTRUMENT LINE' runs the SCPI line on that twin SECONDS (simulated) after the "
                  "start, e.g. --sim-fault '3600 chamber SIM:FAULT:SAT -80,45' (repeatable)");
  cmd->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  cmd->add_option("--dut", o->duts,
                  "serial number of the device under test; SOCKET=SERIAL (repeatable) runs a batch, one run per "
                  "socket of the station, e.g. --dut A=SN1 --dut B=SN2");
  cmd->add_option("--operator", o->operator_name, "who runs it");
  cmd->add_option("--report", o->report, "when the run has ended, print its summary and write its HTML report here");
  add_safety_options(*cmd, o->safety);
  add_lab_options(*cmd, o->lab);
  cmd->callback([o] {
    engine::RunRequest req;
    o->safety.apply(req);
    req.script = o->script;
    req.station = load_station_or_exit(o->station);
    req.simulate = o->sim;
    req.virtual_time = o->virtual_time;
    req.sim_faults = parse_faults_or_exit(o->faults);
    if (o->time_scale > 0) req.station.time_scale = o->time_scale;
    parse_duts_or_exit(o->duts, req);
    req.operator_name = o->operator_name;
    req.db = !o->db.empty() ? o->db : db::default_db_path();
    req.overrides = parse_params_or_exit(o->params);
    req.terminal = ::isatty(STDOUT_FILENO) != 0;
    req.console = terminal_console(std::cout);
    req.verdict_exit_code = true;
    const int code = with_lab_shipper(o->lab, &req.station, req.db, [&](StoreCommitted committed) {
      req.on_store_commit = std::move(committed);
      return engine::run_sequence(req, std::cout);
    });
    if (o->report.empty() || code == 2) throw Exit{code};
    // The run just recorded is the newest in the store.
    auto reader = db::Reader::open(req.db);
    auto newest = reader ? reader->list_runs({.limit = 1}) : Result<std::vector<db::RunRecord>>(fail(reader.error()));
    if (!newest || newest->empty()) throw Exit{code};
    if (newest->front().batch_id) {
      // A batch: its page at --report, each DUT's report beside it.
      auto batch = reader->batch(*newest->front().batch_id);
      if (!batch) throw Exit{code};
      const int report = write_batch_report(req.db.string(), batch->uuid, o->report);
      throw Exit{code != 0 ? code : report};
    }
    const int report = write_report(req.db.string(), newest->front().uuid, o->report, /*headline=*/false);
    throw Exit{code != 0 ? code : report};
  });
}

void register_resume_command(CLI::App& app) {
  struct Options {
    std::string run, station, db;
    std::vector<std::string> faults;
    bool sim = false;
    bool virtual_time = false;
    double time_scale = 0;
    SafetyOptions safety;
    LabShipping lab;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "resume", "Continue an interrupted run (its process was killed) from its last checkpoint, in the same run record");
  cmd->add_option("run", o->run, "run uuid (a unique prefix is enough); `ledlab runs --status interrupted` lists them")
      ->required();
  cmd->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  cmd->add_option("--station", o->station, "station file to go on with (default: the one stored with the run)");
  cmd->add_flag("--sim", o->sim, "serve the station's simulated twins in-process (default: as the run did)");
  cmd->add_option("--time-scale", o->time_scale, "simulated seconds per wall second (default: the run's)")
      ->check(time_scale_check());
  cmd->add_flag("--virtual-time", o->virtual_time, "with --sim: discrete-event simulated time (default: as the run did)");
  cmd->add_option("--sim-fault", o->faults,
                  "with --sim: 'SECONDS INSTRUMENT LINE', SECONDS after the run's first start (those past are skipped)");
  add_safety_options(*cmd, o->safety);
  add_lab_options(*cmd, o->lab);
  cmd->callback([o] {
    engine::RunRequest req;
    o->safety.apply(req);
    req.resume = o->run;
    req.virtual_time = o->virtual_time;
    req.sim_faults = parse_faults_or_exit(o->faults);
    if (!o->station.empty()) req.station = load_station_or_exit(o->station);
    req.simulate = o->sim;
    req.time_scale = o->time_scale;
    req.db = !o->db.empty() ? o->db : db::default_db_path();
    req.terminal = ::isatty(STDOUT_FILENO) != 0;
    req.console = terminal_console(std::cout);
    req.verdict_exit_code = true;
    // Without --station the run goes on with the station file stored with it: so does its [lab].
    const auto stored = o->station.empty() ? stored_station(req.db, o->run) : std::nullopt;
    const engine::StationConfig* lab_station = !o->station.empty() ? &req.station : stored ? &*stored : nullptr;
    throw Exit{with_lab_shipper(o->lab, lab_station, req.db, [&](StoreCommitted committed) {
      req.on_store_commit = std::move(committed);
      return engine::run_sequence(req, std::cout);
    })};
  });
}

void register_ctl_command(CLI::App& app) {
  auto command = std::make_shared<std::string>();
  auto run = std::make_shared<std::string>();
  auto choice = std::make_shared<std::string>();
  auto timeout_s = std::make_shared<double>(5.0);
  auto db = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "ctl", "Steer a running sequence from another process: pause, resume, abort, answer a prompt, status, snapshot");
  cmd->add_option("command", *command, "pause | resume | abort | answer | status | snapshot (the live view as JSON)")
      ->required()
      ->check(CLI::IsMember({"pause", "resume", "abort", "answer", "status", "snapshot"}));
  cmd->add_option("run", *run, "run uuid (a unique prefix is enough)")->required();
  cmd->add_option("choice", *choice, "answer: the choice to give the prompt the run waits on (as written, or ignoring case)");
  cmd->add_option("--timeout", *timeout_s, "seconds to wait for the run to accept and answer (default 5)")
      ->check(CLI::Range(0.001, 3600.0));
  cmd->add_option("--db", *db, "status of a run that no longer runs: the store to read it from (default: $LEDLAB_DB or "
                               "./ledlab.sqlite)");
  cmd->callback([=] {
    if ((*command == "answer") != !choice->empty()) {
      fmt::print(std::cerr, "error: {}\n", *command == "answer" ? "answer needs a choice: ledlab ctl answer RUN CHOICE"
                                                               : fmt::format("{} takes no choice (got '{}')", *command, *choice));
      throw Exit{2};
    }
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(*timeout_s));
    // The run's event log names who steered it: this user, this host, this process.
    const auto me = engine::this_process("ledlab ctl");
    const std::string line = *command == "answer" ? engine::control_line(*command, *choice, me) : engine::control_line(*command, me);
    auto reply = engine::send_control(*run, line, timeout);
    if (!reply && reply.error().code == Errc::not_found && *command == "status") {
      auto stored = stored_run_state(!db->empty() ? *db : db::default_db_path(), *run);
      if (stored) {
        fmt::print("{}\n", *stored);
        throw Exit{0};
      }
      reply.error().message += "; " + stored.error().message;
    }
    if (!reply) {
      fmt::print(std::cerr, "error: {}\n", reply.error().message);
      throw Exit{reply.error().code == Errc::invalid_argument ? 2 : 1};
    }
    fmt::print("{}\n", *reply);
    throw Exit{reply->starts_with("error") ? 2 : 0};
  });
}

}  // namespace ledlab::cli
