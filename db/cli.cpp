#include "db/cli.hpp"
#include "core/time_format.hpp"

#include "db/export.hpp"
#include "db/json_text.hpp"
#include "db/ownership.hpp"
#include "db/reader.hpp"
#include "db/show.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

namespace ledlab::db {
namespace {

constexpr int kNotFound = 1;
constexpr int kUsage = 2;

[[noreturn]] void quit(std::ostream& err, const Error& e) {
  err << "ledlab: " << e.describe() << '\n';
  throw CLI::RuntimeError(e.code == Errc::invalid_argument ? kUsage : kNotFound);
}

template <class T>
T value_or_quit(Result<T> r, std::ostream& err) {
  if (!r) quit(err, r.error());
  return std::move(*r);
}

std::string opt_time(const std::optional<double>& t) { return t ? iso_utc(*t) : "-"; }

// Tabs and line breaks inside a field would shift the columns of a TSV line.
std::string tsv(std::string text) {
  for (char& c : text)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return text.empty() ? "-" : text;
}

struct Common {
  std::string db = default_db_path();
};

void add_db_option(CLI::App* cmd, Common& c) {
  cmd->add_option("--db", c.db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
}

// Runs as a reader sees them (observed_status): a run whose process was killed lists as
// interrupted before any writer has marked it so. A filter on running or interrupted is
// applied after that, on every run, since the stored word may be stale.
Result<std::vector<RunRecord>> observed_runs(Reader& reader, RunFilter filter) {
  const std::optional<RunStatus> wanted = filter.status;
  const std::size_t limit = filter.limit;
  const bool stale_word = wanted && (*wanted == RunStatus::running || *wanted == RunStatus::interrupted);
  if (stale_word) filter.status.reset(), filter.limit = 0;
  auto runs = reader.list_runs(filter);
  if (!runs) return runs;
  std::vector<RunRecord> out;
  for (auto& r : *runs) {
    r.status = observed_status(r);
    if (stale_word && r.status != *wanted) continue;
    out.push_back(std::move(r));
    if (limit > 0 && out.size() == limit) break;
  }
  return out;
}

void register_runs(CLI::App& app, std::ostream& out, std::ostream& err) {
  struct Opts : Common {
    std::string dut, sequence, status, batch;
    std::size_t limit = 0;
    bool json = false, no_header = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("runs", "List runs, newest first (tab-separated: uuid status started ended "
                                         "sequence dut_serial operator batch socket)");
  add_db_option(cmd, *o);
  cmd->add_option("--dut", o->dut, "only runs on this DUT serial");
  cmd->add_option("--sequence", o->sequence, "only runs of this sequence");
  cmd->add_option("--status", o->status, "running, finished, aborted, failed or interrupted");
  cmd->add_option("--batch", o->batch, "only the runs of this batch (uuid or a unique prefix)");
  cmd->add_option("--limit", o->limit, "at most this many runs");
  cmd->add_flag("--json", o->json, "one JSON array instead of TSV");
  cmd->add_flag("--no-header", o->no_header, "omit the TSV header line");
  cmd->callback([o, &out, &err] {
    RunFilter f;
    if (!o->dut.empty()) f.dut_serial = o->dut;
    if (!o->sequence.empty()) f.sequence = o->sequence;
    if (!o->status.empty()) f.status = value_or_quit(parse_run_status(o->status), err);
    f.limit = o->limit;
    auto reader = value_or_quit(Reader::open(o->db), err);
    if (!o->batch.empty()) f.batch_id = value_or_quit(reader.find_batch(o->batch), err).id;
    auto runs = value_or_quit(observed_runs(reader, f), err);
    // The batch a run is a socket of, by its uuid (empty outside a batch).
    std::map<std::int64_t, std::string> batch_uuids;
    const auto batch_of = [&](const RunRecord& r) -> std::string {
      if (!r.batch_id) return "";
      auto [it, added] = batch_uuids.try_emplace(*r.batch_id);
      if (added) {
        auto b = reader.batch(*r.batch_id);
        it->second = b ? b->uuid : "";
      }
      return it->second;
    };
    if (o->json) {
      auto arr = nlohmann::json::array();
      for (const auto& r : runs)
        arr.push_back({{"uuid", r.uuid}, {"status", to_string(r.status)}, {"started_s", r.started_s},
                       {"ended_s", r.ended_s ? nlohmann::json(*r.ended_s) : nlohmann::json(nullptr)},
                       {"sequence", r.sequence}, {"dut_serial", r.dut_serial}, {"operator", r.operator_name},
                       {"batch", batch_of(r)}, {"socket", r.socket}});
      out << json_text(arr, 2) << '\n';
      return;
    }
    if (!o->no_header) out << "uuid\tstatus\tstarted\tended\tsequence\tdut_serial\toperator\tbatch\tsocket\n";
    for (const auto& r : runs)
      out << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", r.uuid, to_string(r.status), iso_utc(r.started_s),
                         opt_time(r.ended_s), tsv(r.sequence), tsv(r.dut_serial), tsv(r.operator_name),
                         tsv(batch_of(r).substr(0, 8)), tsv(r.socket));
  });
}

void register_show(CLI::App& app, std::ostream& out, std::ostream& err) {
  struct Opts : Common {
    std::string run;
    ShowOptions show;
    bool details = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("show", "Provenance and summary of one run: counts, verdict, series by quantity, "
                                         "results by name (median, IQR, worst lane), the last events");
  add_db_option(cmd, *o);
  cmd->add_option("RUN", o->run, "run uuid or a unique prefix")->required();
  cmd->add_flag("--details,--all", o->details, "everything: --series --results --events --station");
  cmd->add_flag("--series", o->show.series, "also list every series (id, lane, quantity, unit, samples, span, conditions)");
  cmd->add_flag("--results", o->show.results, "also list every result with its limits and verdict");
  cmd->add_flag("--events", o->show.events, "list every event instead of the last few");
  cmd->add_flag("--station", o->show.station, "print the station configuration as stored (JSON)");
  cmd->add_flag("--script", o->show.script, "also print the script text");
  cmd->callback([o, &out, &err] {
    auto reader = value_or_quit(Reader::open(o->db), err);
    auto run = value_or_quit(reader.find_run(o->run), err);
    ShowOptions show = o->show;
    if (o->details) show.series = show.results = show.events = show.station = true;
    if (auto s = print_run(out, reader, run, show); !s) quit(err, s.error());
  });
}

// --from / --to: unix seconds or ISO 8601 UTC (core/time_format.hpp).
double time_option(const std::string& name, const std::string& text, double unset, std::ostream& err) {
  if (text.empty()) return unset;
  auto t = parse_utc(text);
  if (!t) {
    t.error().message = fmt::format("{}: {}", name, t.error().message);
    quit(err, t.error());
  }
  return *t;
}

void register_export(CLI::App& app, std::ostream& out, std::ostream& err) {
  struct Opts : Common {
    std::string run, format = "csv", table = "samples", file, quantity, from, to;
    std::optional<int> lane;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("export", "Export one run as CSV (one table) or JSON (everything)");
  add_db_option(cmd, *o);
  cmd->add_option("RUN", o->run, "run uuid or a unique prefix")->required();
  cmd->add_option("--format", o->format, "csv or json (default csv)");
  cmd->add_option("--table", o->table, "CSV only: samples, results or events (default samples)");
  cmd->add_option("--out", o->file, "write here instead of standard output");
  cmd->add_option("--lane", o->lane, "samples table: only the series of this lane (its whole history)");
  cmd->add_option("--quantity", o->quantity, "samples table: only the series of this quantity (e.g. optical_power)");
  cmd->add_option("--from", o->from, "samples table: only samples at or after this time (unix s, or UTC 2023-11-14T22:13:20Z)");
  cmd->add_option("--to", o->to, "samples table: only samples at or before this time (unix s, or UTC)");
  cmd->callback([o, &out, &err] {
    auto format = value_or_quit(parse_export_format(o->format), err);
    auto table = value_or_quit(parse_csv_table(o->table), err);
    SampleSelection selection;
    selection.lane = o->lane;
    if (!o->quantity.empty()) selection.quantity = o->quantity;
    selection.from_s = time_option("--from", o->from, selection.from_s, err);
    selection.to_s = time_option("--to", o->to, selection.to_s, err);
    if (!selection.everything() && (format != ExportFormat::csv || table != CsvTable::samples))
      quit(err, make_error(Errc::invalid_argument, "--lane, --quantity, --from and --to select samples: use them with "
                                                   "--format csv --table samples"));
    auto reader = value_or_quit(Reader::open(o->db), err);
    auto run = value_or_quit(reader.find_run(o->run), err);
    std::ofstream file;
    std::ostream* sink = &out;
    // Write to a temporary name and rename, so a script never sees half a file under --out.
    std::string partial = o->file + ".partial";
    if (!o->file.empty()) {
      file.open(partial, std::ios::binary | std::ios::trunc);
      if (!file) quit(err, make_error(Errc::io, fmt::format("cannot write {}", partial)));
      sink = &file;
    }
    Status s = format == ExportFormat::csv ? export_csv(reader, run, table, *sink, selection)
                                           : export_json(reader, run, *sink);
    if (!o->file.empty()) {
      file.close();
      if (s && std::rename(partial.c_str(), o->file.c_str()) != 0)
        s = fail(Errc::io, fmt::format("cannot rename {} to {}", partial, o->file));
      if (!s) std::remove(partial.c_str());
    }
    if (!s) quit(err, s.error());
  });
}

}  // namespace

std::string default_db_path() {
  const char* env = std::getenv("LEDLAB_DB");
  return env && *env ? env : "ledlab.sqlite";
}

void register_store_commands(CLI::App& app, std::ostream& out, std::ostream& err) {
  register_runs(app, out, err);
  register_show(app, out, err);
  register_export(app, out, err);
}

void register_store_commands(CLI::App& app) { register_store_commands(app, std::cout, std::cerr); }

}  // namespace ledlab::db
