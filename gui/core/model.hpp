#pragma once
// What the dashboard shows: one immutable snapshot, built by the data thread and read by the
// render thread (published as shared_ptr<const Model>; nothing in it changes once published),
// and the commands the render thread sends back.
#include "db/reader.hpp"
#include "db/records.hpp"
#include "db/verdict.hpp"
#include "engine/lua/params.hpp"
#include "engine/run/run_snapshot.hpp"
#include "gui/core/colormap.hpp"
#include "gui/core/minmax_history.hpp"
#include "gui/core/result_table.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ledlab::gui {

// A time series for a plot; x is hours since the run started.
struct History {
  std::string label;
  std::shared_ptr<const MinMaxHistory> data;
  bool step = false;  // drawn as a staircase (setpoints)
};

struct PlotPoint {
  double x = 0, y = 0;
  std::optional<double> y_hi;  // upper end of a confidence bar
};

struct Curve {
  std::string label;
  std::vector<PlotPoint> points;
  bool markers = true;
};

struct Marker {  // a vertical line, e.g. f3dB
  double x = 0;
  std::string label;
};

// A stretch of the x axis shaded behind the data: an interlock excursion, from its trip to the
// run going on again (or on to the run's end).
struct Span {
  double x0 = 0, x1 = 0;
  std::string label;
};

struct PlotData {
  std::string title;
  std::string x_label, x_unit, y_label, y_unit;
  bool x_log = false, y_log = false;
  std::vector<History> histories;
  std::vector<Curve> curves;
  std::vector<Marker> markers;
  std::vector<Span> spans;
  bool empty() const { return histories.empty() && curves.empty(); }
};

// Lanes of one metric counted once each: a dead lane is dead, not also failed; a catastrophic
// burn-in failure is apart from the parametric ones (TM-21 leaves it out of the population).
struct LaneCounts {
  int good = 0;          // a value on the scale (continuous metrics) or pass / alive (verdicts)
  int failed = 0;        // verdict metrics: fail / parametric failure
  int catastrophic = 0;
  int dead = 0;
  int unresolved = 0;
};

// One metric over the array; values[i], marks[i] and qualifiers[i] belong to lane i + 1.
struct LaneMetric {
  std::string name;   // "optical power"
  std::string unit;   // "W"
  bool log_scale = false;
  bool verdict = false;  // 1 = pass / alive, 0 = fail
  std::vector<std::optional<double>> values;
  std::vector<LaneMark> marks;            // dead, catastrophic, unresolved: not on the colour scale
  std::vector<db::Qualifier> qualifiers;  // ">" on a capped lifetime
  double lo = 0, hi = 0;  // range of the present unmarked values (positive ones on a log scale)
  LaneCounts counts;
};

struct LaneMap {
  int rows = 0, cols = 0;
  std::vector<LaneMetric> metrics;
};

struct SequenceEntry {
  std::string path;  // sequences/power_vs_temperature.lua
  std::string name;  // power_vs_temperature
  std::vector<lua::ParamDecl> params;
  std::string error;  // when its parameters could not be read
};

// The live side of a run: from the engine's snapshot when it answers one, else what the
// control endpoint's status and the store say.
struct LiveView {
  bool attached = false;       // a control endpoint answers for this run
  bool snapshot = false;       // the engine answered `snapshot` (else a reduced view)
  engine::RunSnapshot engine;  // state, step, progress, ETA, instruments, interlocks
  std::string control_error;   // why the endpoint did not answer, if it did not
};

// A run picked in the runs list for comparison, with its results (gui/core/compare.hpp).
struct ComparedRun {
  db::RunRecord run;
  ResultTable results;
};

struct Model {
  std::uint64_t generation = 0;  // counts publications
  std::string db_path;
  std::string station_name;
  std::string station_file;      // the dashboard's --station: the run form's default
  std::string store_error;       // the store could not be read (yet)
  std::string notice;            // the outcome of the last command
  std::vector<db::RunRecord> runs;  // newest first
  // Browsing the lab database (`ledlab gui --lab`): its URL without a password, the station of
  // each of `runs` (same order) and the filter they were listed with. Empty: a local store.
  std::string lab;
  std::vector<std::string> run_stations;
  db::RunFilter lab_filter;
  std::optional<db::RunRecord> run; // the run on display
  std::optional<db::RunVerdict> verdict;  // of the run on display, as `ledlab show` states it
  LiveView live;
  std::vector<engine::InstrumentStatus> instruments;
  std::vector<db::EventRecord> events;  // newest last
  std::vector<db::ResultRecord> results;
  std::int64_t samples = 0;
  int selected_lane = 0;  // 0: array view
  std::vector<PlotData> plots;
  LaneMap lanes;
  std::vector<SequenceEntry> sequences;
  // The runs picked for comparison; shared, not copied, by each publication.
  std::shared_ptr<const std::vector<ComparedRun>> compared = std::make_shared<const std::vector<ComparedRun>>();

  // The run's state in one word: the engine's when attached, else the store's.
  std::string state() const;
};

// Commands from the render thread, executed by the data thread in order.
struct StartRun {
  std::string script;
  lua::Overrides params;       // name -> value as on the command line
  std::string station;         // station file; empty: the dashboard's --station
  std::string dut_serial;      // `ledlab run --dut`
  std::string operator_name;   // `ledlab run --operator`
  bool simulate = true;        // `ledlab run --sim`: the station's simulated twins
};
struct Steer {
  std::string command;  // pause | resume | abort
};
// The answer to the prompt the run on display waits on (engine/run/operator_prompt.hpp).
struct Answer {
  std::string choice;
};
struct OpenRun {
  std::string uuid;  // follows it live if it is running
};
struct SelectLane {
  int lane = 0;
};
struct CompareRuns {
  std::vector<std::string> uuids;  // in the order picked; empty: compare none
};
// The lab database's runs list: list again with this filter (station, DUT, DUT type, sequence, time).
struct FilterRuns {
  db::RunFilter filter;
};
using Command = std::variant<StartRun, Steer, Answer, OpenRun, SelectLane, CompareRuns, FilterRuns>;

}  // namespace ledlab::gui
