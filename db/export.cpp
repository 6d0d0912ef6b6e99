#include "db/export.hpp"

#include "db/csv_text.hpp"
#include "db/json_text.hpp"
#include "db/run_rows.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iterator>

namespace ledlab::db {
namespace {

using nlohmann::json;
using Buffer = fmt::memory_buffer;

// Output is formatted into one buffer and written out in large pieces: a weeks-long run is
// tens of millions of lines, and an ostream insertion per field costs more than formatting it.
class Sink {
 public:
  explicit Sink(std::ostream& out) : out_(out) {}
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  Buffer& buffer() { return buf_; }
  // Writes the buffer out once it is large; false once the stream has failed.
  bool spill() {
    if (buf_.size() >= kSpillBytes) write();
    return static_cast<bool>(out_);
  }
  Status finish() {
    write();
    out_.flush();
    if (!out_) return fail(Errc::io, "writing the export failed");
    return {};
  }

 private:
  static constexpr std::size_t kSpillBytes = std::size_t{1} << 16;
  void write() {
    if (buf_.size() > 0 && out_) out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }
  std::ostream& out_;
  Buffer buf_;
};

void put(Buffer& b, std::string_view text) { b.append(text.data(), text.data() + text.size()); }

void put_number(Buffer& b, double v) { append_csv_number(b, v); }
// JSON has no non-finite numbers (RFC 8259 section 6): they become null.
void put_json_number(Buffer& b, double v) {
  if (std::isfinite(v)) fmt::format_to(std::back_inserter(b), "{}", v);
  else put(b, "null");
}

std::string number(double v) { return csv_number(v); }
template <class T>
std::string opt(const std::optional<T>& v) {
  if (!v) return {};
  if constexpr (std::is_floating_point_v<T>) return number(*v);
  else return fmt::format("{}", *v);
}

void put_field(Buffer& b, std::string_view text) { append_csv_field(b, text); }

void put_row(Buffer& b, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (const auto& f : fields) {
    if (!first) b.push_back(',');
    put_field(b, f);
    first = false;
  }
  put(b, "\r\n");
}

// Stored JSON text goes out as JSON; text that does not parse goes out as a string.
json embedded(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(text) : parsed;
}

json optional_json(const std::optional<double>& v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }

// The `pass` column of schema 4 exports: pass or fail, empty for a dead or not judged result.
std::string_view pass_text(Verdict v) { return v == Verdict::pass ? "pass" : v == Verdict::fail ? "fail" : ""; }

json pass_json(Verdict v) { return v == Verdict::pass || v == Verdict::fail ? json(v == Verdict::pass) : json(nullptr); }

std::string describe(const SampleSelection& s) {
  std::string what;
  if (s.lane) what += fmt::format(" of lane {}", *s.lane);
  if (s.quantity) what += fmt::format("{} quantity '{}'", s.lane ? " and" : " of", *s.quantity);
  return what;
}

// The series a samples export covers, in series_id order.
Result<std::vector<SeriesRecord>> selected_series(Reader& reader, const RunRecord& run, const SampleSelection& selection) {
  if (std::isnan(selection.from_s) || std::isnan(selection.to_s))
    return fail(Errc::invalid_argument, "sample window: a bound is NaN");
  if (selection.from_s > selection.to_s)
    return fail(Errc::invalid_argument,
                fmt::format("sample window: from ({}) is after to ({})", number(selection.from_s), number(selection.to_s)));
  auto series = reader.series(run.id);
  if (!series) return fail(series.error());
  std::erase_if(*series, [&](const SeriesRecord& s) { return !selection.selects(s); });
  if (series->empty() && (selection.lane || selection.quantity))
    return fail(Errc::not_found, fmt::format("run {} has no series{}", run.uuid, describe(selection)));
  return series;
}

// Everything but t_s and value is the same for a whole series: formatted once.
std::string series_prefix(const RunRecord& run, const SeriesRecord& s) {
  Buffer b;
  put_field(b, run.uuid);
  fmt::format_to(std::back_inserter(b), ",{},{},", s.id, opt(s.spec.lane));
  put_field(b, s.spec.quantity);
  b.push_back(',');
  put_field(b, s.spec.unit);
  b.push_back(',');
  put_field(b, s.spec.conditions_json);
  b.push_back(',');
  return fmt::to_string(b);
}

Status export_samples(Reader& reader, const RunRecord& run, const SampleSelection& selection, Sink& sink) {
  auto series = selected_series(reader, run, selection);
  if (!series) return fail(series.error());
  Buffer& b = sink.buffer();
  put(b, csv_header(CsvTable::samples));
  put(b, "\r\n");
  bool good = true;
  for (const SeriesRecord& s : *series) {
    const std::string prefix = series_prefix(run, s);
    auto st = reader.for_each_sample_run(s.id, selection.from_s, selection.to_s,
                                         [&](std::span<const double> t, std::span<const double> v) {
                                           if (!good) return;  // the output failed: the rest is skipped
                                           for (std::size_t i = 0; i < t.size(); ++i) {
                                             put(b, prefix);
                                             put_number(b, t[i]);
                                             b.push_back(',');
                                             put_number(b, v[i]);
                                             put(b, "\r\n");
                                           }
                                           good = sink.spill();
                                         });
    if (!st) return st;
    if (!good) break;
  }
  return {};
}

Status export_results(Reader& reader, const RunRecord& run, Sink& sink) {
  Buffer& b = sink.buffer();
  put(b, csv_header(CsvTable::results));
  put(b, "\r\n");
  return for_each_result(reader, run.id, [&](const ResultRecord& r) {
    put_row(b, {run.uuid, std::to_string(r.id), r.name, opt(r.lane), number(r.value), r.unit, opt(r.lower_limit),
                opt(r.upper_limit), pass_text(verdict_of(r)), r.extra_json, opt(r.t_s), to_string(r.qualifier),
                to_string(verdict_of(r))});
    sink.spill();
  });
}

Status export_events(Reader& reader, const RunRecord& run, Sink& sink) {
  Buffer& b = sink.buffer();
  put(b, csv_header(CsvTable::events));
  put(b, "\r\n");
  return for_each_event(reader, run.id, [&](const EventRecord& e) {
    put_row(b, {run.uuid, std::to_string(e.id), opt(e.t_s), to_string(e.kind), e.source, e.message, e.data_json});
    sink.spill();
  });
}

// Streams `for_each` as a JSON array, one element at a time.
template <class ForEach, class ToJson>
Status put_json_array(Sink& sink, ForEach for_each, ToJson to_json) {
  Buffer& b = sink.buffer();
  b.push_back('[');
  bool first = true;
  auto st = for_each([&](const auto& record) {
    if (!first) b.push_back(',');
    first = false;
    put(b, json_text(to_json(record)));
    sink.spill();
  });
  b.push_back(']');
  return st;
}


}  // namespace

bool SampleSelection::everything() const {
  return !lane && !quantity && from_s == -std::numeric_limits<double>::infinity() &&
         to_s == std::numeric_limits<double>::infinity();
}

bool SampleSelection::selects(const SeriesRecord& series) const {
  return (!lane || series.spec.lane == lane) && (!quantity || series.spec.quantity == *quantity);
}

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
    case CsvTable::results: return "run_uuid,result_id,name,lane,value,unit,lower_limit,upper_limit,pass,extra,t_s,qualifier,verdict";
    case CsvTable::events: return "run_uuid,event_id,t_s,kind,source,message,data";
  }
  return {};
}

Status export_csv(Reader& reader, const RunRecord& run, CsvTable table, std::ostream& out, const SampleSelection& selection) {
  if (table != CsvTable::samples && !selection.everything())
    return fail(Errc::invalid_argument, "a lane, quantity or time window selects samples: use it with the samples table");
  Sink sink(out);
  Status st = table == CsvTable::samples   ? export_samples(reader, run, selection, sink)
              : table == CsvTable::results ? export_results(reader, run, sink)
                                           : export_events(reader, run, sink);
  if (!st) return st;
  return sink.finish();
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
  auto series = reader.series(run.id);
  if (!series) return fail(series.error());

  Sink sink(out);
  Buffer& b = sink.buffer();
  put(b, "{\"format\":\"ledlab-run\",\"format_version\":1,\"run\":");
  put(b, json_text(head));
  put(b, ",\"instruments\":");
  put(b, json_text(instruments));
  put(b, ",\"dut\":");
  put(b, json_text(dut));
  put(b, ",\"series\":[");
  bool good = true;
  for (std::size_t k = 0; k < series->size() && good; ++k) {
    const SeriesRecord& s = (*series)[k];
    json meta = {{"series_id", s.id}, {"lane", s.spec.lane ? json(*s.spec.lane) : json(nullptr)},
                 {"quantity", s.spec.quantity}, {"unit", s.spec.unit}, {"conditions", embedded(s.spec.conditions_json)},
                 {"sample_count", s.sample_count}};
    std::string text = json_text(meta);
    text.pop_back();  // reopen the object to stream its samples
    if (k > 0) b.push_back(',');
    put(b, text);
    put(b, ",\"samples\":[");
    bool first = true;
    auto st = reader.for_each_sample_run(s.id, -std::numeric_limits<double>::infinity(),
                                         std::numeric_limits<double>::infinity(),
                                         [&](std::span<const double> t, std::span<const double> v) {
                                           if (!good) return;
                                           for (std::size_t i = 0; i < t.size(); ++i) {
                                             put(b, first ? "[" : ",[");
                                             first = false;
                                             put_json_number(b, t[i]);
                                             b.push_back(',');
                                             put_json_number(b, v[i]);
                                             b.push_back(']');
                                           }
                                           good = sink.spill();
                                         });
    if (!st) return st;
    put(b, "]}");
  }
  put(b, "],\"results\":");
  auto st = put_json_array(
      sink, [&](const auto& visit) { return for_each_result(reader, run.id, visit); },
      [](const ResultRecord& r) {
        return json{{"name", r.name}, {"lane", r.lane ? json(*r.lane) : json(nullptr)}, {"value", r.value},
                    {"unit", r.unit}, {"lower_limit", optional_json(r.lower_limit)},
                    {"upper_limit", optional_json(r.upper_limit)}, {"pass", pass_json(verdict_of(r))},
                    {"extra", embedded(r.extra_json)}, {"t_s", optional_json(r.t_s)},
                    {"qualifier", to_string(r.qualifier)}, {"verdict", to_string(verdict_of(r))}};
      });
  if (!st) return st;
  put(b, ",\"events\":");
  st = put_json_array(
      sink, [&](const auto& visit) { return for_each_event(reader, run.id, visit); },
      [](const EventRecord& e) {
        return json{{"t_s", optional_json(e.t_s)}, {"kind", to_string(e.kind)}, {"source", e.source},
                    {"message", e.message}, {"data", embedded(e.data_json)}};
      });
  if (!st) return st;
  put(b, ",\"checkpoints\":");
  st = put_json_array(
      sink, [&](const auto& visit) { return for_each_checkpoint(reader, run.id, visit); },
      [](const CheckpointRecord& c) { return json{{"name", c.name}, {"state", embedded(c.state_json)}, {"t_s", c.t_s}}; });
  if (!st) return st;
  put(b, "}\n");
  return sink.finish();
}

}  // namespace ledlab::db
