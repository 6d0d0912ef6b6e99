#include "db/cli.hpp"
#include "core/time_format.hpp"

#include "db/export.hpp"
#include "db/json_text.hpp"
#include "db/ownership.hpp"
#include "db/reader.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
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

std::string iso_utc(double unix_s) {
  return format_utc(unix_s, "%Y-%m-%dT%H:%M:%SZ");
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

void register_runs(CLI::App& app, std::ostream& out, std::ostream& err) {
  struct Opts : Common {
    std::string dut, sequence, status;
    std::size_t limit = 0;
    bool json = false, no_header = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("runs", "List runs, newest first (tab-separated: uuid status started ended "
                                         "sequence dut_serial operator)");
  add_db_option(cmd, *o);
  cmd->add_option("--dut", o->dut, "only runs on this DUT serial");
  cmd->add_option("--sequence", o->sequence, "only runs of this sequence");
  cmd->add_option("--status", o->status, "running, finished, aborted, failed or interrupted");
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
    auto runs = value_or_quit(reader.list_runs(f), err);
    if (o->json) {
      auto arr = nlohmann::json::array();
      for (const auto& r : runs)
        arr.push_back({{"uuid", r.uuid}, {"status", to_string(r.status)}, {"started_s", r.started_s},
                       {"ended_s", r.ended_s ? nlohmann::json(*r.ended_s) : nlohmann::json(nullptr)},
                       {"sequence", r.sequence}, {"dut_serial", r.dut_serial}, {"operator", r.operator_name}});
      out << json_text(arr, 2) << '\n';
      return;
    }
    if (!o->no_header) out << "uuid\tstatus\tstarted\tended\tsequence\tdut_serial\toperator\n";
    for (const auto& r : runs)
      out << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", r.uuid, to_string(r.status), iso_utc(r.started_s),
                         opt_time(r.ended_s), tsv(r.sequence), tsv(r.dut_serial), tsv(r.operator_name));
  });
}

void print_show(std::ostream& out, Reader& reader, const RunRecord& r, bool with_script, std::ostream& err) {
  auto line = [&](std::string_view key, const std::string& value) { out << fmt::format("{:<12}{}\n", key, value); };
  std::size_t script_lines = static_cast<std::size_t>(std::count(r.script_text.begin(), r.script_text.end(), '\n'));
  line("run", r.uuid);
  std::string status(to_string(r.status));
  if (r.status == RunStatus::running && owner_liveness(r.host, r.owner_pid, r.owner_token) == Liveness::gone)
    status += " (owner process gone: marked interrupted when the store is next opened for writing)";
  line("status", status);
  line("sequence", r.sequence);
  line("script", fmt::format("sha256 {} ({} lines)", r.script_sha256, script_lines));
  line("dut", r.dut_serial);
  line("operator", r.operator_name);
  line("host", fmt::format("{} (pid {})", r.host, r.owner_pid));
  line("ledlab", r.ledlab_version);
  line("started", fmt::format("{} ({})", iso_utc(r.started_s), r.started_s));
  line("ended", r.ended_s ? fmt::format("{} ({}, {:.1f} s)", iso_utc(*r.ended_s), *r.ended_s, *r.ended_s - r.started_s)
                          : std::string("-"));
  line("parameters", r.parameters_json);
  line("station", r.station_json);

  auto totals = value_or_quit(reader.totals(r.id), err);
  auto instruments = value_or_quit(reader.instruments(r.id), err);
  out << fmt::format("\ninstruments ({})\n", instruments.size());
  for (const auto& i : instruments) out << fmt::format("  {:<12} {:<18} {:<28} {}\n", i.name, i.kind, i.resource, i.idn);

  auto series = value_or_quit(reader.series(r.id), err);
  out << fmt::format("\nseries ({}), samples {}\n", totals.series, totals.samples);
  if (totals.superseded_samples > 0 || totals.superseded_results > 0)
    out << fmt::format("set aside on resume (recorded after the last checkpoint, then redone): {} samples, {} results\n",
                       totals.superseded_samples, totals.superseded_results);
  for (const auto& s : series)
    out << fmt::format("  {:>6}  lane {:<5} {:<20} {:<6} n={:<10} {}\n", s.id,
                       s.spec.lane ? std::to_string(*s.spec.lane) : "-", s.spec.quantity, s.spec.unit, s.sample_count,
                       s.spec.conditions_json);

  auto results = value_or_quit(reader.results(r.id), err);
  out << fmt::format("\nresults ({}, {} failed)\n", totals.results, totals.results_failed);
  for (const auto& x : results) {
    auto bound = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string("-"); };
    out << fmt::format("  {:<20} lane {:<5} {:<14} {:<6} [{}, {}] {}\n", x.name, x.lane ? std::to_string(*x.lane) : "-",
                       fmt::format("{}", x.value), x.unit, bound(x.lower_limit), bound(x.upper_limit),
                       x.pass ? (*x.pass ? "pass" : "FAIL") : "-");
  }

  auto events = value_or_quit(reader.events(r.id), err);
  out << fmt::format("\nevents ({}, {} alarms/faults)\n", totals.events, totals.alarms_and_faults);
  std::size_t from = events.size() > 20 ? events.size() - 20 : 0;  // the tail tells how the run ended
  if (from > 0) out << fmt::format("  ... {} earlier\n", from);
  for (std::size_t i = from; i < events.size(); ++i)
    out << fmt::format("  {} {:<9} {:<10} {}\n", opt_time(events[i].t_s), to_string(events[i].kind), events[i].source,
                       events[i].message);

  auto checkpoints = value_or_quit(reader.checkpoints(r.id), err);
  if (!checkpoints.empty()) {
    out << fmt::format("\ncheckpoints ({})\n", checkpoints.size());
    for (const auto& c : checkpoints) out << fmt::format("  {:<20} {} {}\n", c.name, iso_utc(c.t_s), c.state_json);
  }
  if (with_script) out << "\nscript\n" << r.script_text << (r.script_text.ends_with('\n') ? "" : "\n");
}

void register_show(CLI::App& app, std::ostream& out, std::ostream& err) {
  struct Opts : Common {
    std::string run;
    bool script = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("show", "Provenance and summary of one run");
  add_db_option(cmd, *o);
  cmd->add_option("RUN", o->run, "run uuid or a unique prefix")->required();
  cmd->add_flag("--script", o->script, "also print the script text");
  cmd->callback([o, &out, &err] {
    auto reader = value_or_quit(Reader::open(o->db), err);
    auto run = value_or_quit(reader.find_run(o->run), err);
    print_show(out, reader, run, o->script, err);
  });
}

void register_export(CLI::App& app, std::ostream& out, std::ostream& err) {
  struct Opts : Common {
    std::string run, format = "csv", table = "samples", file;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("export", "Export one run as CSV (one table) or JSON (everything)");
  add_db_option(cmd, *o);
  cmd->add_option("RUN", o->run, "run uuid or a unique prefix")->required();
  cmd->add_option("--format", o->format, "csv or json (default csv)");
  cmd->add_option("--table", o->table, "CSV only: samples, results or events (default samples)");
  cmd->add_option("--out", o->file, "write here instead of standard output");
  cmd->callback([o, &out, &err] {
    auto format = value_or_quit(parse_export_format(o->format), err);
    auto table = value_or_quit(parse_csv_table(o->table), err);
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
    Status s = format == ExportFormat::csv ? export_csv(reader, run, table, *sink) : export_json(reader, run, *sink);
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
