#pragma once
// `ledlab show RUN`: one run on a screen, whatever its size. The summary reads only what the
// store keeps per series and per run (counts, spans), the results once (grouped by name) and
// the events once (the last few kept): no sample is read, so a six-week burn-in shows as fast
// as a sweep. Everything per series, per result and per event is behind options.
#include "db/reader.hpp"

#include <ostream>

namespace ledlab::db {

struct ShowOptions {
  bool series = false;   // every series on its own line
  bool results = false;  // every result on its own line
  bool events = false;   // every event (the summary shows the last few)
  bool station = false;  // the station configuration as stored (JSON)
  bool script = false;   // the script text
};

Status print_run(std::ostream& out, Reader& reader, const RunRecord& run, const ShowOptions& options = {});

}  // namespace ledlab::db
