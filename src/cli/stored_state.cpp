// `ledlab ctl status` for a run that does not answer on its control endpoint: it ended, or its
// process was killed. The store still knows it, so the answer is its state, end and verdict.
#include "cli/commands.hpp"
#include "db/reader.hpp"
#include "db/show.hpp"

#include <fmt/format.h>

namespace ledlab::cli {

Result<std::string> stored_run_state(const std::string& db, const std::string& run) {
  auto reader = db::Reader::open(db);
  if (!reader) return fail(reader.error().code, fmt::format("the store {}: {}", db, reader.error().message));
  auto found = reader->find_run(run);
  if (!found) return fail(found.error().code, fmt::format("the store {}: {}", db, found.error().message));
  auto line = db::stored_state_line(*reader, *found);
  if (!line) return fail(line.error());
  return fmt::format("{} (run {}, not running: from the store {})", *line, found->uuid, db);
}

}  // namespace ledlab::cli
