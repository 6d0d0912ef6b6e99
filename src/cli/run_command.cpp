#include "cli/commands.hpp"
#include "db/cli.hpp"
#include "engine/run/control_endpoint.hpp"
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdlib>
#include <iostream>

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

CLI::Validator time_scale_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double scale = 0;
        if (!CLI::detail::lexical_cast(text, scale)) return fmt::format("'{}' is not a number", text);
        return engine::time_scale_problem(scale);
      },
      fmt::format("in (0, {:g}]", engine::kMaxTimeScale), "time scale");
}

void register_run_command(CLI::App& app) {
  struct Options {
    std::string script, station, db, dut, operator_name, report;
    std::vector<std::string> params;
    bool sim = false;
    double time_scale = 0;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("run", "Run a sequence script against a station, recording into the results store");
  cmd->add_option("sequence", o->script, "sequence script (Lua), e.g. sequences/power_vs_temperature.lua")->required();
  cmd->add_option("--station", o->station, "station file (TOML)")->required();
  cmd->add_flag("--sim", o->sim, "serve the station's simulated twins in-process");
  cmd->add_option("-p,--param", o->params, "parameter override name=value (repeatable), e.g. -p temps=25,55,85");
  cmd->add_option("--time-scale", o->time_scale, "simulated seconds per wall second (default: the station's)")
      ->check(time_scale_check());
  cmd->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  cmd->add_option("--dut", o->dut, "serial number of the device under test");
  cmd->add_option("--operator", o->operator_name, "who runs it");
  cmd->add_option("--report", o->report, "when the run has ended, print its summary and write its HTML report here");
  cmd->callback([o] {
    engine::RunRequest req;
    req.script = o->script;
    req.station = load_station_or_exit(o->station);
    req.simulate = o->sim;
    if (o->time_scale > 0) req.station.time_scale = o->time_scale;
    req.dut_serial = o->dut;
    req.operator_name = o->operator_name;
    req.db = !o->db.empty() ? o->db : db::default_db_path();
    req.overrides = parse_params_or_exit(o->params);
    req.terminal = ::isatty(STDOUT_FILENO) != 0;
    const int code = engine::run_sequence(req, std::cout);
    if (o->report.empty() || code == 2) throw Exit{code};
    // The run just recorded is the newest in the store.
    auto reader = db::Reader::open(req.db);
    auto newest = reader ? reader->list_runs({.limit = 1}) : Result<std::vector<db::RunRecord>>(fail(reader.error()));
    if (!newest || newest->empty()) throw Exit{code};
    const int report = write_report(req.db.string(), newest->front().uuid, o->report);
    throw Exit{code != 0 ? code : report};
  });
}

void register_resume_command(CLI::App& app) {
  struct Options {
    std::string run, station, db;
    bool sim = false;
    double time_scale = 0;
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
  cmd->callback([o] {
    engine::RunRequest req;
    req.resume = o->run;
    if (!o->station.empty()) req.station = load_station_or_exit(o->station);
    req.simulate = o->sim;
    req.time_scale = o->time_scale;
    req.db = !o->db.empty() ? o->db : db::default_db_path();
    req.terminal = ::isatty(STDOUT_FILENO) != 0;
    throw Exit{engine::run_sequence(req, std::cout)};
  });
}

void register_ctl_command(CLI::App& app) {
  auto command = std::make_shared<std::string>();
  auto run = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("ctl", "Steer a running sequence from another process: pause, resume, abort, status, snapshot");
  cmd->add_option("command", *command, "pause | resume | abort | status | snapshot (the live view as JSON)")
      ->required()
      ->check(CLI::IsMember({"pause", "resume", "abort", "status", "snapshot"}));
  cmd->add_option("run", *run, "run uuid (a unique prefix is enough)")->required();
  cmd->callback([=] {
    auto reply = engine::send_control(*run, *command);
    if (!reply) {
      fmt::print(std::cerr, "error: {}\n", reply.error().message);
      throw Exit{reply.error().code == Errc::invalid_argument ? 2 : 1};
    }
    fmt::print("{}\n", *reply);
    throw Exit{reply->starts_with("error") ? 2 : 0};
  });
}

}  // namespace ledlab::cli
