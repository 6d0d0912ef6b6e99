#include "cli/commands.hpp"
#include "db/reader.hpp"
#include "report/run_report.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace ledlab::cli {

int write_report(const std::string& db, const std::string& run, std::string out, bool headline) {
  auto reader = db::Reader::open(db);
  if (!reader) {
    fmt::print(std::cerr, "error: {}: {}\n", db, reader.error().describe());
    return 1;
  }
  auto found = reader->find_run(run);
  if (!found) {
    fmt::print(std::cerr, "error: {}\n", found.error().describe());
    return found.error().code == Errc::invalid_argument ? 2 : 1;
  }
  auto html = report::render_run_report(*reader, found->uuid);
  auto summary = report::render_run_summary(*reader, found->uuid, headline);
  if (!html || !summary) {
    fmt::print(std::cerr, "error: {}\n", (html ? summary.error() : html.error()).describe());
    return 1;
  }
  if (out.empty()) out = fmt::format("report-{}.html", found->uuid.substr(0, 8));
  // Written beside the target and renamed, so a reader never sees half a report.
  const std::string tmp = out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << *html;
    if (!f.flush()) {
      fmt::print(std::cerr, "error: cannot write {}\n", tmp);
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    fmt::print(std::cerr, "error: cannot rename {} to {}\n", tmp, out);
    return 1;
  }
  fmt::print("{}report: {}\n", *summary, out);
  return 0;
}

void register_report_command(CLI::App& app) {
  struct Options {
    std::string run, out, db;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("report", "Write a self-contained HTML report of one run (plots as inline SVG)");
  cmd->add_option("run", o->run, "run uuid (a unique prefix is enough)")->required();
  cmd->add_option("--out", o->out, "HTML file to write (default: report-<uuid8>.html)");
  cmd->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  cmd->callback([o] {
    const char* env_db = std::getenv("LEDLAB_DB");
    throw Exit{write_report(!o->db.empty() ? o->db : (env_db && *env_db ? env_db : "ledlab.sqlite"), o->run, o->out)};
  });
}

}  // namespace ledlab::cli
