#pragma once
// What the results store keeps, in the lab's words. These plain structs are shared by the
// writer (Store), the readers (Reader) and the exports; db/SCHEMA.md maps them to tables.
#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::db {

enum class RunStatus { running, finished, aborted, failed, interrupted };
std::string_view to_string(RunStatus status);
Result<RunStatus> parse_run_status(std::string_view text);

enum class EventKind { state, alarm, fault, operator_action, info };
std::string_view to_string(EventKind kind);
Result<EventKind> parse_event_kind(std::string_view text);

// What one result counts as. Every result is exactly one of these, so a summary counts each
// once: a dead lane (it gave no signal) is neither a pass nor a failure.
enum class Verdict { pass, fail, dead, not_judged };
std::string_view to_string(Verdict verdict);  // "pass", "fail", "dead", "not_judged"
Result<Verdict> parse_verdict(std::string_view text);

// Whether a result's value is the figure itself or a bound on it: a lifetime capped at the
// TM-21 projection limit is at least the value (">"); a BER upper confidence bound reported
// as such is a figure, but an error-free gate's BER may be given as "<".
enum class Qualifier { exact, at_least, at_most };
std::string_view to_string(Qualifier qualifier);  // "", ">", "<"
Result<Qualifier> parse_qualifier(std::string_view text);

using RunId = std::int64_t;
using SeriesId = std::int64_t;

// Everything needed to reproduce a run, captured when it starts.
struct RunProvenance {
  std::string sequence;          // sequence name, e.g. "bandwidth_sweep"
  std::string script_text;       // the Lua source as run
  std::string parameters_json = "{}";
  std::string station_json = "{}";  // the station config as loaded
  std::string operator_name;
  std::string dut_serial;
  std::string ledlab_version;    // empty: this build's version
  std::optional<double> started_s;  // unix seconds; empty: now
  std::optional<std::int64_t> batch_id;  // the batch this run is one socket of (Store::begin_batch)
  std::string socket;                    // the station's socket the DUT sat in ("A"), in a batch
};

struct RunRecord {
  RunId id = 0;
  std::string uuid;
  std::string sequence;
  std::string script_text;
  std::string script_sha256;
  std::string parameters_json;
  std::string station_json;
  std::string operator_name;
  std::string dut_serial;
  std::string host;
  std::string ledlab_version;
  double started_s = 0;
  std::optional<double> ended_s;
  RunStatus status = RunStatus::running;
  std::int64_t owner_pid = 0;
  std::string owner_token;  // boot id + process start time: survives pid reuse
  std::optional<std::int64_t> batch_id;  // empty: a run outside any batch
  std::string socket;
};

// Several sockets of one station running one sequence together, each DUT its own run.
struct BatchRecord {
  std::int64_t id = 0;
  std::string uuid;
  std::string sequence;
  std::string station;
  std::string operator_name;
  double started_s = 0;
  std::optional<double> ended_s;
};

struct InstrumentRecord {
  std::int64_t id = 0;
  std::string name;           // station name, e.g. "bert1"
  std::string kind;           // "bert", "power_meter", ...
  std::string resource;       // "tcp://127.0.0.1:5025"
  std::string idn;            // the *IDN? reply as received
  std::string settings_json = "{}";
};

struct LaneRecord {
  int lane = 0;               // lane index within the array
  std::optional<int> row;
  std::optional<int> col;
  std::string label;
};

struct DutRecord {
  std::string serial;
  std::string description;
  std::string info_json = "{}";
  std::vector<LaneRecord> lanes;
};

struct SeriesSpec {
  std::optional<int> lane;    // empty: not tied to a lane (chamber temperature, ...)
  std::string quantity;       // "optical_power", "ber", "s21"
  std::string unit;           // "W", "1", "dB"
  std::string conditions_json = "{}";  // {"temperature_c":85,"drive_current_a":0.002}
};

struct SeriesRecord {
  SeriesId id = 0;
  RunId run_id = 0;
  SeriesSpec spec;
  std::int64_t sample_count = 0;
  std::optional<double> first_t_s;
  std::optional<double> last_t_s;
};

struct Sample {
  SeriesId series = 0;
  double t_s = 0;   // unix seconds
  double value = 0;
};

// A stretch of a series summarised for a plot (Reader::decimate).
struct SampleBucket {
  double t_first = 0, t_last = 0;  // times of its first and last sample
  std::int64_t n = 0;
  double min = 0, max = 0, mean = 0;
  double first = 0, last = 0;      // values of its first and last sample
};

struct ResultRecord {
  std::int64_t id = 0;
  std::string name;                 // "f3db_hz", "ber_upper_95", "l70_h"
  std::optional<int> lane;
  double value = 0;
  std::string unit;
  std::optional<double> lower_limit;
  std::optional<double> upper_limit;
  std::optional<Verdict> verdict;   // empty: judged from the limits (not_judged when none)
  std::string extra_json = "{}";    // e.g. {"confidence":0.95,"bits":1e12,"errors":0}
  std::optional<double> t_s;        // empty: now
  Qualifier qualifier = Qualifier::exact;
};

struct EventRecord {
  std::int64_t id = 0;
  std::optional<double> t_s;        // empty: now
  EventKind kind = EventKind::info;
  std::string source;               // "engine", "chamber1", "operator"
  std::string message;
  std::string data_json = "{}";
};

struct CheckpointRecord {
  std::string name;
  std::string state_json = "{}";
  double t_s = 0;
  // Set by the store: the highest sample_id and result_id committed when it was taken.
  std::int64_t sample_mark = 0;
  std::int64_t result_mark = 0;
};

// What resuming a run from its last checkpoint did.
struct Rewind {
  std::optional<CheckpointRecord> checkpoint;  // empty: the run had none, it starts over
  std::int64_t superseded_samples = 0;         // recorded after the checkpoint, moved aside
  std::int64_t superseded_results = 0;
  double last_t_s = 0;                         // newest sample, result or event time of the run
};

// Pass/fail against limits: inclusive bounds, either may be absent; no limits: not_judged.
Verdict judge(double value, std::optional<double> lower, std::optional<double> upper);

// The verdict a result is stored with: the one given, else judged from its limits.
Verdict verdict_of(const ResultRecord& result);

}  // namespace ledlab::db
