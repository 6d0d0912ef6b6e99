#include "cli/commands.hpp"
#include "db/lab/lab_reader.hpp"
#include "db/reader.hpp"
#include "report/batch_report.hpp"
#include "report/run_report.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace ledlab::cli {

namespace {

// Written beside the target and renamed, so a reader never sees half a report.
bool write_atomically(const std::string& out, const std::string& text) {
  const std::string tmp = out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) {
      fmt::print(std::cerr, "error: cannot write {}\n", tmp);
      return false;
    }
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    fmt::print(std::cerr, "error: cannot rename {} to {}\n", tmp, out);
    return false;
  }
  return true;
}

}  // namespace

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
  if (!write_atomically(out, *html)) return 1;
  fmt::print("{}report: {}\n", *summary, out);
  return 0;
}

int write_batch_report(const std::string& db, const std::string& batch, std::string out) {
  auto reader = db::Reader::open(db);
  if (!reader) {
    fmt::print(std::cerr, "error: {}: {}\n", db, reader.error().describe());
    return 1;
  }
  auto found = reader->find_batch(batch);
  if (!found) {
    fmt::print(std::cerr, "error: {}\n", found.error().describe());
    return found.error().code == Errc::invalid_argument ? 2 : 1;
  }
  auto runs = reader->batch_runs(found->id);
  if (!runs) {
    fmt::print(std::cerr, "error: {}\n", runs.error().describe());
    return 1;
  }
  if (out.empty()) out = fmt::format("batch-{}.html", found->uuid.substr(0, 8));
  // Each DUT's report beside the batch page: batch.html -> batch-A.html, batch-B.html, ...
  const std::filesystem::path page(out);
  const auto dut_file = [&](const db::RunRecord& run) {
    return fmt::format("{}-{}.html", page.stem().string(), run.socket.empty() ? run.uuid.substr(0, 8) : run.socket);
  };
  int code = 0;
  for (const auto& run : *runs)
    if (const int c = write_report(db, run.uuid, (page.parent_path() / dut_file(run)).string(), /*headline=*/true); c != 0)
      code = c;
  auto html = report::render_batch_report(*reader, found->uuid, dut_file);
  auto summary = report::render_batch_summary(*reader, found->uuid);
  if (!html || !summary) {
    fmt::print(std::cerr, "error: {}\n", (html ? summary.error() : html.error()).describe());
    return 1;
  }
  if (!write_atomically(out, *html)) return 1;
  fmt::print("{}batch report: {}\n", *summary, out);
  return code;
}

void register_report_command(CLI::App& app) {
  struct Options {
    std::string run, out, db, lab;
    bool batch = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("report", "Write a self-contained HTML report of one run (plots as inline SVG)");
  cmd->add_option("run", o->run, "run uuid (a unique prefix is enough)")->required();
  cmd->add_option("--out", o->out, "HTML file to write (default: report-<uuid8>.html)");
  auto* db = cmd->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  cmd->add_option("--lab", o->lab, "report a run (or batch) of the lab database (PostgreSQL URL) instead of a local store")
      ->excludes(db);
  cmd->add_flag("--batch", o->batch,
                "RUN is a batch: write its page (default: batch-<uuid8>.html) and each DUT's report beside it "
                "(<page>-<socket>.html)");
  cmd->callback([o] {
    if (!o->lab.empty()) {
      // The run copied from the lab into a private store: the same report as the station's file gives.
      auto copy = db::lab::copy_from_lab(o->lab, o->run, o->batch);
      if (!copy) {
        fmt::print(std::cerr, "error: {}\n", copy.error().describe());
        throw Exit{copy.error().code == Errc::invalid_argument ? 2 : 1};
      }
      const std::string store = copy->store.string();
      throw Exit{o->batch ? write_batch_report(store, copy->uuid, o->out) : write_report(store, copy->uuid, o->out)};
    }
    const char* env_db = std::getenv("LEDLAB_DB");
    const std::string db = !o->db.empty() ? o->db : (env_db && *env_db ? env_db : "ledlab.sqlite");
    if (o->batch) throw Exit{write_batch_report(db, o->run, o->out)};
    throw Exit{write_report(db, o->run, o->out)};
  });
}

}  // namespace ledlab::cli
