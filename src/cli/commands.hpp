#pragma once
// Subcommands of the ledlab executable, one file each.
#include "engine/lua/params.hpp"
#include "engine/station_config.hpp"

#include <CLI/App.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ledlab::cli {

void register_sim_command(CLI::App& app);    // ledlab sim: serve a station's simulated twins
void register_check_command(CLI::App& app);  // ledlab check: reach every instrument of a station
void register_bench_demo_command(CLI::App& app);  // ledlab demo: simulated station + check + readings
void register_run_command(CLI::App& app);    // ledlab run: a sequence against a station, into the store
void register_ctl_command(CLI::App& app);    // ledlab ctl: steer a running sequence
void register_resume_command(CLI::App& app); // ledlab resume: continue an interrupted run
void register_report_command(CLI::App& app); // ledlab report: one run as an HTML page
void register_gui_command(CLI::App& app);    // ledlab gui: the live dashboard
void register_query_command(CLI::App& app);  // ledlab query: SCPI to one instrument by address
void register_usb_command(CLI::App& app);    // ledlab list-usb: attached USBTMC instruments
void register_discover_command(CLI::App& app);  // ledlab discover: instruments on the LAN and USB
void register_lab_admin_commands(CLI::App& lab);  // ledlab lab init|add-station|add-reader|test-server

void register_lab_ship_commands(CLI::App& lab);  // ledlab lab status | ship (lab_ship_command.cpp)

// `ledlab run` / `resume` shipping to the lab database while the run goes on (lab_ship_command.cpp).
struct LabShipping {
  std::string lab;     // --lab URL
  bool off = false;    // --no-lab
  double grace_s = 5;  // --lab-grace
};
void add_lab_options(CLI::App& cmd, LabShipping& o);
// Runs `body` with a shipper sending `store` to the lab database named by --lab, the station's
// [lab] url or $LEDLAB_LAB_DB (none: just runs it), then waits at most grace_s for the rest.
// A password in the station file's [lab] url ends the command (exit 2, naming file:line:key).
// `body` gets the callback to call after each commit of the store (Shipper::notify: the data
// goes at once rather than at the next poll); empty when nothing ships.
using StoreCommitted = std::function<void()>;
int with_lab_shipper(const LabShipping& o, const engine::StationConfig* station, const std::filesystem::path& store,
                     const std::function<int(StoreCommitted)>& body);
// The station file a run was recorded with, as stored (for `resume` without --station: its [lab]).
std::optional<engine::StationConfig> stored_station(const std::filesystem::path& store, const std::string& run);

// Thrown by subcommand callbacks to end with a message and an exit code.
struct Exit {
  int code;
};

// Writes the HTML report of a run and prints its summary and the report's path; returns the
// exit code (0, 1 not found or not written, 2 ambiguous run). Without `headline` the summary
// leaves out the verdict line (`ledlab run --report` has just printed it).
int write_report(const std::string& db, const std::string& run, std::string out, bool headline = true);
// A batch's page at `out` and each of its DUTs' reports beside it (report_command.cpp).
int write_batch_report(const std::string& db, const std::string& batch, std::string out);
// `-p name=value` arguments as parameter overrides; a malformed one ends the command (exit 2).
lua::Overrides parse_params_or_exit(const std::vector<std::string>& params);

// What the store `db` says about a run that does not answer on its control endpoint: one line,
// its state first (db::stored_state_line). Errors: the store cannot be read, or has no such run.
Result<std::string> stored_run_state(const std::string& db, const std::string& run);

// --time-scale: a finite number in (0, engine::kMaxTimeScale], like a station file's time_scale.
CLI::Validator time_scale_check();

// Loads a station file; a bad one ends the command with its message and exit code 2.
engine::StationConfig load_station_or_exit(const std::string& path);

}  // namespace ledlab::cli
