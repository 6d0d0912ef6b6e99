#pragma once
// `ledlab report RUN`: one self-contained HTML page per run (no external files, scripts or
// fonts): provenance, pass/fail summary, the plots of its kind of run as inline SVG, the lane
// map and the run's alarms and faults.
#include "db/reader.hpp"

#include <string>
#include <string_view>

namespace ledlab::report {

Result<std::string> render_run_report(db::Reader& reader, std::string_view uuid_or_prefix);

// The verdict, pass/fail counts per result name and the array-wide results, as plain text.
// Without `headline` the verdict line is left out (`ledlab run --report` has printed it).
Result<std::string> render_run_summary(db::Reader& reader, std::string_view uuid_or_prefix, bool headline = true);

}  // namespace ledlab::report
