#include "cli/commands.hpp"
#include "engine/run/run_sequence.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdlib>
#include <iostream>

namespace ledlab::cli {

void register_run_command(CLI::App& app) {
  struct Options {
    std::string script, station, db, dut, operator_name;
    std::vector<std::string> params;
    bool sim = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("run", "Run a sequence script against a station, recording into the results store");
  cmd->add_option("sequence", o->script, "sequence script (Lua), e.g. sequences/power_vs_temperature.lua")->required();
  cmd->add_option("--station", o->station, "station file (TOML)")->required();
  cmd->add_flag("--sim", o->sim, "serve the station's simulated twins in-process");
  cmd->add_option("-p,--param", o->params, "parameter override name=value (repeatable), e.g. -p temps=25,55,85");
  cmd->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  cmd->add_option("--dut", o->dut, "serial number of the device under test");
  cmd->add_option("--operator", o->operator_name, "who runs it");
  cmd->callback([o] {
    auto station = engine::load_station(o->station);
    if (!station) {
      fmt::print(std::cerr, "error: {}\n", station.error().message);
      throw Exit{2};
    }
    engine::RunRequest req;
    req.script = o->script;
    req.station = std::move(*station);
    req.simulate = o->sim;
    req.dut_serial = o->dut;
    req.operator_name = o->operator_name;
    const char* env_db = std::getenv("LEDLAB_DB");
    req.db = !o->db.empty() ? o->db : (env_db ? env_db : "ledlab.sqlite");
    for (const auto& p : o->params) {
      const auto eq = p.find('=');
      if (eq == std::string::npos || eq == 0) {
        fmt::print(std::cerr, "error: -p {}: expected name=value\n", p);
        throw Exit{2};
      }
      req.overrides[p.substr(0, eq)] = p.substr(eq + 1);
    }
    throw Exit{engine::run_sequence(req, std::cout)};
  });
}

}  // namespace ledlab::cli
