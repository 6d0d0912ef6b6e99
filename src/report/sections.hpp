#pragma once
// The parts of a run report, one per kind of run; each returns HTML (headings, text, inline
// SVG) or an empty string when the run has nothing of its kind.
#include "db/reader.hpp"
#include "report/run_data.hpp"
#include "report/svg_plot.hpp"

#include <string>

namespace ledlab::report {

std::string bandwidth_section(const RunData& run, db::Reader& reader);
std::string ber_section(const RunData& run);
std::string burn_in_section(const RunData& run, db::Reader& reader);
std::string liv_section(const RunData& run, db::Reader& reader);
// Every quantity the run recorded over time: for a run that did not finish (its kind's
// sections may have no results to draw) or one with no results of a kind the report plots.
std::string recorded_section(const RunData& run, db::Reader& reader);

// Shared by the sections.
struct MarkedLane {
  int lane = 0;       // 1-based; 0: none
  std::string what;   // "worst BER upper bound 3×10⁻¹⁰ at 105 °C": named under the map with its row and column
  std::optional<double> limit;  // marked on the colour bar
};
// Lanes drawn apart from the crossed (`flagged`) ones, each kind named in a key under the map.
struct LaneKinds {
  std::string flagged_meaning;  // what a cross means ("failed: beyond the limit"); empty: no key entry
  std::vector<bool> catastrophic, dead;  // index lane - 1
};
std::string lane_map(const RunData& run, const std::string& title, const std::vector<double>& values,
                     const std::string& unit, bool log_scale, const std::vector<bool>& flagged = {},
                     TickStyle ticks = TickStyle::si, const MarkedLane& marked = {}, const LaneKinds& kinds = {});
// "lane 17 (row 1, column 17)" in the run's lane map layout.
std::string lane_position(const RunData& run, int lane);
// A result's value with its unit and qualifier: "> 6 kh", "1.2 GHz".
std::string fmt_result(const RunResult& result);
std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
std::string fmt_value(double value, std::string_view unit);  // "1.2 GHz", "-" for NaN

}  // namespace ledlab::report
