#pragma once
// The parts of a run report, one per kind of run; each returns HTML (headings, text, inline
// SVG) or an empty string when the run has nothing of its kind.
#include "db/reader.hpp"
#include "report/run_data.hpp"

#include <string>

namespace ledlab::report {

std::string bandwidth_section(const RunData& run, db::Reader& reader);
std::string ber_section(const RunData& run);
std::string burn_in_section(const RunData& run, db::Reader& reader);
std::string liv_section(const RunData& run, db::Reader& reader);

// Shared by the sections.
std::string lane_map(const RunData& run, const std::string& title, const std::vector<double>& values,
                     const std::string& unit, bool log_scale, const std::vector<bool>& flagged = {});
std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
std::string fmt_value(double value, std::string_view unit);  // "1.2 GHz", "-" for NaN

}  // namespace ledlab::report
