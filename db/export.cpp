#include "db/export.hpp"

#include "db/json_text.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace ledlab::db {
namespace {

using nlohmann::json;

std::string number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : (std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf")); }
std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }
template <class T>
std::string opt(const std::optional<T>& v) {
  if (!v) return {};
  if constexpr (std::is_floating_point_v<T>) return number(*v);
  else return fmt::format("{}", *v);
}

// RFC 4180: quote a field holding a comma, quote or line break; double the quotes inside.
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

void csv_row(std::ostream& out, std::initializer_list<std::string> fields) {
  bool first = true;
  for (const auto& f : fields) {
    if (!first) out << ',';
    out << csv_field(f);
    first = false;
  }
  out << "\r\n";
}

// Stored JSON text goes out as JSON; text that does not parse goes out as a string.
json embedded(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(text) : parsed;
}

json optional_json(const std::optional<double>& v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }

std::string pass_text(const std::optional<bool>& pass) { return pass ? (*pass ? "pass" : "fail") : ""; }

}  // namespace

Result<ExportFormat> parse_export_format(std::string_view text) {
  if (text == "csv") return ExportFormat::csv;
  if (text == "json") return ExportFormat::json;
  return fail(Errc::invalid_argument, fmt::format("unknown export format '{}' (csv, json)", text));
}

Result<CsvTable> parse_csv_table(std::string_view text) {
  if (text == "samples") return CsvTable::samples;
  if (text == "results") return CsvTable::results;
  if (text == "events") return CsvTable::events;
  return fail(Errc::invalid_argument, fmt::format("unknown table '{}' (samples, results, events)", text));
}

std::string_view csv_header(CsvTable table) {
  switch (table) {
    case CsvTable::samples: return "run_uuid,series_id,lane,quantity,unit,conditions,t_s,value";
    case CsvTable::results: return "run_uuid,result_id,name,lane,value,unit,lower_limit,upper_limit,pass,extra,t_s";
    case CsvTable::events: return "run_uuid,event_id,t_s,kind,source,message,data";
  }
  return {};
}

Status export_csv(Reader& reader, const RunRecord& run, CsvTable table, std::ostream& out) {
  out << csv_header(table) << "\r\n";
  if (table == CsvTable::samples) {
    auto series = reader.series(run.id);
    if (!series) return fail(series.error());
    for (const SeriesRecord& s : *series) {
      // Everything but t_s and value is the same for the whole series: format it once.
      std::string prefix = fmt::format("{},{},{},{},{},{},", csv_field(run.uuid), s.id, opt(s.spec.lane),
                                       csv_field(s.spec.quantity), csv_field(s.spec.unit),
                                       csv_field(s.spec.conditions_json));
      auto st = reader.for_each_sample(
          s.id, [&](const Sample& x) { out << prefix << number(x.t_s) << ',' << number(x.value) << "\r\n"; });
      if (!st) return st;
    }
  } else if (table == CsvTable::results) {
    auto results = reader.results(run.id);
    if (!results) return fail(results.error());
    for (const ResultRecord& r : *results)
      csv_row(out, {run.uuid, std::to_string(r.id), r.name, opt(r.lane), number(r.value), r.unit, opt(r.lower_limit),
                    opt(r.upper_limit), pass_text(r.pass), r.extra_json, opt(r.t_s)});
  } else {
    auto events = reader.events(run.id);
    if (!events) return fail(events.error());
    for (const EventRecord& e : *events)
      csv_row(out, {run.uuid, std::to_string(e.id), opt(e.t_s), std::string(to_string(e.kind)), e.source, e.message,
                    e.data_json});
  }
  out.flush();
  if (!out) return fail(Errc::io, "writing the export failed");
  return {};
}

Status export_json(Reader& reader, const RunRecord& run, std::ostream& out) {
  json head = {
      {"uuid", run.uuid},
      {"sequence", run.sequence},
      {"script_sha256", run.script_sha256},
      {"script_text", run.script_text},
      {"parameters", embedded(run.parameters_json)},
      {"station", embedded(run.station_json)},
      {"operator", run.operator_name},
      {"dut_serial", run.dut_serial},
      {"host", run.host},
      {"ledlab_version", run.ledlab_version},
      {"started_s", run.started_s},
      {"ended_s", optional_json(run.ended_s)},
      {"status", to_string(run.status)},
  };
  json instruments = json::array();
  auto ins = reader.instruments(run.id);
  if (!ins) return fail(ins.error());
  for (const auto& i : *ins)
    instruments.push_back({{"name", i.name}, {"kind", i.kind}, {"resource", i.resource}, {"idn", i.idn},
                           {"settings", embedded(i.settings_json)}});
  json dut = nullptr;
  if (auto d = reader.dut(run.dut_serial)) {
    json lanes = json::array();
    for (const auto& l : d->lanes)
      lanes.push_back({{"lane", l.lane}, {"row", l.row ? json(*l.row) : json(nullptr)},
                       {"col", l.col ? json(*l.col) : json(nullptr)}, {"label", l.label}});
    dut = {{"serial", d->serial}, {"description", d->description}, {"info", embedded(d->info_json)}, {"lanes", lanes}};
  }
  out << "{\"format\":\"ledlab-run\",\"format_version\":1,\"run\":" << json_text(head)
      << ",\"instruments\":" << json_text(instruments) << ",\"dut\":" << json_text(dut) << ",\"series\":[";

  auto series = reader.series(run.id);
  if (!series) return fail(series.error());
  bool first_series = true;
  for (const SeriesRecord& s : *series) {
    json meta = {{"series_id", s.id}, {"lane", s.spec.lane ? json(*s.spec.lane) : json(nullptr)},
                 {"quantity", s.spec.quantity}, {"unit", s.spec.unit}, {"conditions", embedded(s.spec.conditions_json)},
                 {"sample_count", s.sample_count}};
    std::string text = json_text(meta);
    text.pop_back();  // reopen the object to stream its samples
    out << (first_series ? "" : ",") << text << ",\"samples\":[";
    first_series = false;
    bool first = true;
    auto st = reader.for_each_sample(s.id, [&](const Sample& x) {
      out << (first ? "[" : ",[") << json_number(x.t_s) << ',' << json_number(x.value) << ']';
      first = false;
    });
    if (!st) return st;
    out << "]}";
  }
  out << "],\"results\":";
  json results = json::array();
  auto rs = reader.results(run.id);
  if (!rs) return fail(rs.error());
  for (const auto& r : *rs)
    results.push_back({{"name", r.name}, {"lane", r.lane ? json(*r.lane) : json(nullptr)}, {"value", r.value},
                       {"unit", r.unit}, {"lower_limit", optional_json(r.lower_limit)},
                       {"upper_limit", optional_json(r.upper_limit)},
                       {"pass", r.pass ? json(*r.pass) : json(nullptr)}, {"extra", embedded(r.extra_json)},
                       {"t_s", optional_json(r.t_s)}});
  json events = json::array();
  auto es = reader.events(run.id);
  if (!es) return fail(es.error());
  for (const auto& e : *es)
    events.push_back({{"t_s", optional_json(e.t_s)}, {"kind", to_string(e.kind)}, {"source", e.source},
                      {"message", e.message}, {"data", embedded(e.data_json)}});
  json checkpoints = json::array();
  auto cs = reader.checkpoints(run.id);
  if (!cs) return fail(cs.error());
  for (const auto& c : *cs) checkpoints.push_back({{"name", c.name}, {"state", embedded(c.state_json)}, {"t_s", c.t_s}});
  out << json_text(results) << ",\"events\":" << json_text(events) << ",\"checkpoints\":" << json_text(checkpoints)
      << "}\n";
  out.flush();
  if (!out) return fail(Errc::io, "writing the export failed");
  return {};
}

}  // namespace ledlab::db
