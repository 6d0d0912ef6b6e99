#pragma once
// `ledlab runs | show | export`: the results store from the command line. Output columns
// and exit codes are an interface for scripts: 0 ok, 1 not found or runtime error,
// 2 usage error (bad option value, ambiguous run prefix). Errors are raised as
// CLI::RuntimeError(code) so the main's `app.exit(e)` returns the code; CLI11's own parse
// errors (missing argument) should be mapped to 2 by the main.
#include "db/reader.hpp"

#include <CLI/App.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>

namespace ledlab::db {

// A run as the lab database lists it: the station that shipped it, and its batch's uuid
// (the local batch id means nothing across stations).
struct LabRun {
  RunRecord run;
  std::string station;
  std::string batch_uuid;  // empty outside a batch
};

// A run or batch copied out of the lab database into a private store of the local schema
// (db/lab/lab_reader.hpp): `store` is readable while `keep` lives; the copy goes with it.
struct LabCopy {
  std::filesystem::path store;
  std::string uuid;  // the run's (or batch's) full uuid
  std::shared_ptr<const void> keep;
};

// What `--lab URL` needs from the lab database. ledlab_db does not link libpq: the program
// hands these in (db::lab::lab_access()); without them --lab is refused.
struct LabAccess {
  // The runs matching `filter` (its batch_id is ignored) and, when non-empty, of the batch
  // named by `batch` (a uuid or a unique prefix).
  std::function<Result<std::vector<LabRun>>(const std::string& url, const RunFilter& filter, const std::string& batch)>
      list_runs;
  // The run (or, with `batch`, the batch and its runs) named by a uuid or a unique prefix.
  std::function<Result<LabCopy>(const std::string& url, const std::string& key, bool batch)> copy;
};

// $LEDLAB_DB, else ./ledlab.sqlite: the store every command uses when --db is not given.
std::string default_db_path();

// Adds the subcommands to `app`, printing to std::cout / std::cerr; `lab` serves --lab.
void register_store_commands(CLI::App& app);
void register_store_commands(CLI::App& app, LabAccess lab);
// The same, printing to the given streams (tests); `lab` serves --lab (empty: refused).
void register_store_commands(CLI::App& app, std::ostream& out, std::ostream& err, LabAccess lab = {});

}  // namespace ledlab::db

// The name the main calls.
using ledlab::db::register_store_commands;
