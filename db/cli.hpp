#pragma once
// `ledlab runs | show | export`: the results store from the command line. Output columns
// and exit codes are an interface for scripts: 0 ok, 1 not found or runtime error,
// 2 usage error (bad option value, ambiguous run prefix). Errors are raised as
// CLI::RuntimeError(code) so the main's `app.exit(e)` returns the code; CLI11's own parse
// errors (missing argument) should be mapped to 2 by the main.
#include "db/lab_access.hpp"

#include <CLI/App.hpp>

#include <ostream>

namespace ledlab::db {

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
