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

// One line for a run that no longer answers on its control endpoint (`ledlab ctl status` after
// the run ended or its process was killed), from the store: its state as a reader sees it
// (observed_status), when it ended and its verdict, e.g. "finished, ended 2026-11-30T06:08:44Z
// (1.5 h after the start); PASS: none of 400 judged results failed (...)". The first word is
// the state, as a live run's answer is.
Result<std::string> stored_state_line(Reader& reader, const RunRecord& run);

}  // namespace ledlab::db
