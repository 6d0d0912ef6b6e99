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
  std::string lab;  // the lab database's URL (--lab); empty: the local store
};

void add_db_option(CLI::App* cmd, Common& c) {
  auto* db = cmd->add_option("--db", c.db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  cmd->add_option("--lab", c.lab,
                  "read the lab database (PostgreSQL URL, postgresql://role@host/db) instead of a local store: "
                  "every station's runs")
      ->excludes(db);
}

const LabAccess& lab_or_quit(const LabAccess& lab, std::ostream& err) {
  if (!lab.list_runs || !lab.copy) quit(err, make_error(Errc::config, "--lab: this program was built without the lab database"));
  return lab;
}

// The store to read: the local one, or a private copy of the run (or batch) `key` made from
// the lab database, whose output is then the same as the station's own file gives.
struct Source {
  std::string store;
  std::string key;  // the run (or batch) to look up in it
  LabCopy copy;     // holds the lab copy while it is read
};

Source source_or_quit(const Common& c, const LabAccess& lab, const std::string& key, bool batch, std::ostream& err) {
  if (c.lab.empty()) return {c.db, key, {}};
  auto copy = value_or_quit(lab_or_quit(lab, err).copy(c.lab, key, batch), err);
  Source s{copy.store.string(), copy.uuid, {}};
  s.copy = std::move(copy);
  return s;
}

// --since / --until / --from / --to: unix seconds or ISO 8601 UTC (core/time_format.hpp).
double time_option(const std::string& name, const std::string& text, double unset, std::ostream& err) {
  if (text.empty()) return unset;
  auto t = parse_utc(text);
  if (!t) {
    t.error().message = fmt::format("{}: {}", name, t.error().message);
    quit(err, t.error());
  }
  return *t;
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

// One line of `ledlab runs`: a run with the uuid of its batch, and for the lab its station.
struct Listed {
  RunRecord run;
  std::string batch_uuid;
  std::optional<std::string> station;  // set when listing the lab database
};

void print_runs(std::ostream& out, const std::vector<Listed>& runs, bool json, bool header) {
  const bool lab = !runs.empty() && runs.front().station;
  if (json) {
    auto arr = nlohmann::json::array();
    for (const auto& [r, batch, station] : runs) {
      nlohmann::json row = {{"uuid", r.uuid}, {"status", to_string(r.status)}, {"started_s", r.started_s},
                            {"ended_s", r.ended_s ? nlohmann::json(*r.ended_s) : nlohmann::json(nullptr)},
                            {"sequence", r.sequence}, {"dut_serial", r.dut_serial}, {"operator", r.operator_name},
                            {"batch", batch}, {"socket", r.socket}};
      if (station) row["station"] = *station;
      arr.push_back(std::move(row));
    }
    out << json_text(arr, 2) << '\n';
    return;
  }
  if (header)
    out << "uuid\tstatus\tstarted\tended\tsequence\tdut_serial\toperator\tbatch\tsocket" << (lab ? "\tstation" : "")
        << '\n';
  for (const auto& [r, batch, station] : runs) {
    out << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", r.uuid, to_string(r.status), iso_utc(r.started_s),
                       opt_time(r.ended_s), tsv(r.sequence), tsv(r.dut_serial), tsv(r.operator_name),
                       tsv(batch.substr(0, 8)), tsv(r.socket));
    if (station) out << '\t' << tsv(*station);
    out << '\n';
  }
}

std::vector<Listed> local_runs(const std::string& db, RunFilter f, const std::string& batch, std::ostream& err) {
  auto reader = value_or_quit(Reader::open(db), err);
  if (!batch.empty()) f.batch_id = value_or_quit(reader.find_batch(batch), err).id;
  auto runs = value_or_quit(observed_runs(reader, f), err);
  // The batch a run is a socket of, by its uuid (empty outside a batch).
  std::map<std::int64_t, std::string> batch_uuids;
  std::vector<Listed> out;
  for (auto& r : runs) {
    std::string uuid;
    if (r.batch_id) {
      auto [it, added] = batch_uuids.try_emplace(*r.batch_id);
      if (added) {
        auto b = reader.batch(*r.batch_id);
        it->second = b ? b->uuid : "";
      }
      uuid = it->second;
    }
    out.push_back({std::move(r), std::move(uuid), std::nullopt});
  }
  return out;
}

// The lab's runs carry the status their station last shipped: whether a `running` run's
// process still lives can only be told on its own station.
std::vector<Listed> lab_runs(const LabAccess& lab, const std::string& url, const RunFilter& f, const std::string& batch,
                             std::ostream& err) {
  auto runs = value_or_quit(lab_or_quit(lab, err).list_runs(url, f, batch), err);
  std::vector<Listed> out;
  for (auto& r : runs) out.push_back({std::move(r.run), std::move(r.batch_uuid), std::move(r.station)});
  return out;
}

void register_runs(CLI::App& app, std::ostream& out, std::ostream& err, std::shared_ptr<const LabAccess> lab) {
  struct Opts : Common {
    std::string dut, sequence, status, batch, station, dut_type, since, until;
    std::size_t limit = 0;
    bool json = false, no_header = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("runs", "List runs, newest first (tab-separated: uuid status started ended "
                                         "sequence dut_serial operator batch socket; with --lab also station)");
  add_db_option(cmd, *o);
  cmd->add_option("--dut", o->dut, "only runs on this DUT serial");
  cmd->add_option("--dut-type", o->dut_type,
                  "only runs on this DUT type (the run's parameter dut_type, else its DUT's description)");
  cmd->add_option("--sequence", o->sequence, "only runs of this sequence");
  cmd->add_option("--station", o->station, "only runs of this station (its name; in the lab, the station that shipped it)");
  cmd->add_option("--since", o->since, "only runs started at or after this time (unix s, or UTC 2023-11-14T22:13:20Z)");
  cmd->add_option("--until", o->until, "only runs started at or before this time (unix s, or UTC)");
  cmd->add_option("--status", o->status, "running, finished, aborted, failed or interrupted");
  cmd->add_option("--batch", o->batch, "only the runs of this batch (uuid or a unique prefix)");
  cmd->add_option("--limit", o->limit, "at most this many runs");
  cmd->add_flag("--json", o->json, "one JSON array instead of TSV");
  cmd->add_flag("--no-header", o->no_header, "omit the TSV header line");
  cmd->callback([o, &out, &err, lab] {
    RunFilter f;
    if (!o->dut.empty()) f.dut_serial = o->dut;
    if (!o->dut_type.empty()) f.dut_type = o->dut_type;
    if (!o->sequence.empty()) f.sequence = o->sequence;
    if (!o->station.empty()) f.station = o->station;
    if (!o->since.empty()) f.since_s = time_option("--since", o->since, 0, err);
    if (!o->until.empty()) f.until_s = time_option("--until", o->until, 0, err);
    if (!o->status.empty()) f.status = value_or_quit(parse_run_status(o->status), err);
    f.limit = o->limit;
    const auto runs = o->lab.empty() ? local_runs(o->db, f, o->batch, err) : lab_runs(*lab, o->lab, f, o->batch, err);
    print_runs(out, runs, o->json, !o->no_header);
  });
}

void register_show(CLI::App& app, std::ostream& out, std::ostream& err, std::shared_ptr<const LabAccess> lab) {
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
  cmd->callback([o, &out, &err, lab] {
    const Source source = source_or_quit(*o, *lab, o->run, false, err);
    auto reader = value_or_quit(Reader::open(source.store), err);
    auto run = value_or_quit(reader.find_run(source.key), err);
    ShowOptions show = o->show;
    if (o->details) show.series = show.results = show.events = show.station = true;
    if (auto s = print_run(out, reader, run, show); !s) quit(err, s.error());
  });
}

void register_export(CLI::App& app, std::ostream& out, std::ostream& err, std::shared_ptr<const LabAccess> lab) {
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
  cmd->callback([o, &out, &err, lab] {
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
    const Source source = source_or_quit(*o, *lab, o->run, false, err);
    auto reader = value_or_quit(Reader::open(source.store), err);
    auto run = value_or_quit(reader.find_run(source.key), err);
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

void register_store_commands(CLI::App& app, std::ostream& out, std::ostream& err, LabAccess lab) {
  // The callbacks run after this returns: they share one copy of the access.
  const auto access = std::make_shared<const LabAccess>(std::move(lab));
  register_runs(app, out, err, access);
  register_show(app, out, err, access);
  register_export(app, out, err, access);
}

void register_store_commands(CLI::App& app) { register_store_commands(app, std::cout, std::cerr); }

void register_store_commands(CLI::App& app, LabAccess lab) {
  register_store_commands(app, std::cout, std::cerr, std::move(lab));
}

}  // namespace ledlab::db
