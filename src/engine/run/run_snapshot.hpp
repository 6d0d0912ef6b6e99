#pragma once
// What a running sequence publishes about itself: the engine fills one RunSnapshot after each
// change of state, step or reading, and answers `snapshot` on its control endpoint with it as
// one line of JSON. The dashboard and `ledlab ctl status` read it; nothing in it is needed to
// reconstruct the run (the store has all of that), it is the live view.
#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ledlab::engine {

struct InstrumentStatus {
  std::string name;      // station name, "chamber"
  std::string kind;      // "thermal_chamber"
  std::string driver;    // "thermostream"
  std::string address;   // "tcp://127.0.0.1:55103"
  std::string idn;       // *IDN? reply
  std::string link = "connected";  // connected | reconnecting | lost | not connected
  std::string last_reading;        // "air 25.02 C, DUT 24.98 C, setpoint 25 C"
  std::optional<double> last_reading_t_s;  // simulated unix seconds of the reading
  std::string fault;     // empty, or the last error from this instrument
  bool alarm = false;    // an interlock on this instrument is tripped
};

struct InterlockStatus {
  std::string name;      // "chamber_band"
  std::string kind;      // chamber_band | over_temperature | link
  std::string state = "ok";  // ok | tripped | soaking
  std::string action;    // suspend | abort
  std::string message;   // "chamber air 31.4 C is 6.4 C from setpoint 25 C (band 2 C)"
};

// A prompt{} waiting for the operator's answer (operator_prompt.hpp).
struct PromptStatus {
  std::uint64_t id = 0;
  std::string text;
  std::vector<std::string> choices;
  std::optional<double> timeout_s;
  std::optional<std::string> default_choice;
  double asked_s = 0;  // the run's clock, simulated unix seconds
};

struct RunSnapshot {
  std::string run_uuid;
  std::string sequence;  // "ber_vs_temperature"
  std::string station;   // station name
  std::string db_path;   // the store the run records into
  // created | running | waiting for operator | paused | suspended | finished | aborted | failed | interrupted
  std::string state = "created";
  std::string step;      // the script's last progress() text
  double progress = 0;   // 0..1 from progress()
  std::optional<double> eta_s;  // wall seconds to the end; none until progress is measurable (ConsoleView::eta_s)
  double elapsed_s = 0;         // wall seconds since the run (or its resumption) started
  double sim_time_s = 0;        // the run's clock, simulated unix seconds
  double time_scale = 1;
  std::size_t records = 0;      // record{} calls so far
  std::size_t results = 0;      // result{} calls so far
  std::size_t suspensions = 0;  // interruptions by interlocks or lost links
  std::string message;          // why it is paused / suspended / failed, if it is
  std::vector<InstrumentStatus> instruments;
  std::vector<InterlockStatus> interlocks;
  std::optional<PromptStatus> prompt;  // absent from an engine without prompts
};

nlohmann::json to_json(const RunSnapshot& snapshot);
// Errors name the missing or mistyped field.
Result<RunSnapshot> snapshot_from_json(const nlohmann::json& j);

}  // namespace ledlab::engine
