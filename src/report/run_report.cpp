#include "report/run_report.hpp"
#include "core/time_format.hpp"

#include "report/sections.hpp"
#include "report/svg_plot.hpp"
#include "db/verdict.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <map>

namespace ledlab::report {
namespace {

constexpr std::string_view kStyle = R"(
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.pass { color: #080; } .fail { color: #b00; } .none { color: #666; }
.verdict { font-size: 1.3em; padding: 0.4em 0.8em; display: inline-block; border: 2px solid; }
svg { display: block; margin: 1em 0; }
pre { background: #f7f7f7; padding: 0.5em; overflow-x: auto; font-size: 0.8em; max-height: 20em; }
)";

std::string utc_text(double unix_s) {
  return format_utc(unix_s, "%Y-%m-%d %H:%M:%S UTC");
}

std::string provenance(const RunData& d) {
  const auto& r = d.run;
  const auto station = nlohmann::json::parse(r.station_json, nullptr, false);
  std::vector<std::vector<std::string>> rows{
      {"run", escape(r.uuid)},
      {"sequence", escape(r.sequence)},
      {"status", escape(std::string(db::to_string(r.status)))},
      {"started", utc_text(r.started_s)},
      {"ended", r.ended_s ? utc_text(*r.ended_s) : "-"},
      {"DUT", escape(r.dut_serial.empty() ? "-" : r.dut_serial)},
      {"operator", escape(r.operator_name.empty() ? "-" : r.operator_name)},
      {"host", escape(r.host)},
      {"ledlab", escape(r.ledlab_version)},
      {"script SHA-256", "<code>" + escape(r.script_sha256) + "</code>"},
      {"station", escape(station.is_object() ? station.value("name", "") + " (" + station.value("source", "") + ")" +
                                                   (station.value("simulated", false) ? ", simulated" : "")
                                             : "")},
      {"parameters", "<code>" + escape(d.parameters.dump()) + "</code>"}};
  std::string html = "<h2>Provenance</h2>\n" + html_table({"", ""}, rows);
  std::vector<std::vector<std::string>> inst;
  for (const auto& i : d.instruments) inst.push_back({escape(i.name), escape(i.kind), escape(i.resource), escape(i.idn)});
  html += html_table({"instrument", "kind", "resource", "*IDN?"}, inst);
  return html + "<details><summary>script</summary><pre>" + escape(r.script_text) + "</pre></details>\n";
}

// The run's verdict (db/verdict.hpp), its counts by result name, and the failing results.
struct Summary {
  db::RunVerdict verdict;
  std::map<std::string, db::VerdictCounts> by_name;
  std::vector<std::string> failing;  // the first 30, in words
};

// "l70_h lane 3 > 6 kh": a result with its qualifier, in words.
std::string result_text(const RunResult& r) {
  return fmt::format("{}{} {} {}", r.record.name, r.record.lane ? fmt::format(" lane {}", *r.record.lane) : "",
                     db::relation(r.record.qualifier), fmt_value(r.record.value, r.record.unit == "1" ? "" : r.record.unit));
}

Summary summarise(const RunData& d) {
  Summary s;
  db::VerdictTally tally;
  for (const auto& r : d.results) {
    tally.add(r.record);
    const db::Verdict v = db::verdict_of(r.record);
    s.by_name[r.record.name].add(v);
    if (v == db::Verdict::fail && s.failing.size() < 30) s.failing.push_back(result_text(r));
  }
  s.verdict = tally.verdict(d.run);
  return s;
}

std::string_view verdict_class(const db::RunVerdict& v) {
  return v.outcome == db::RunOutcome::pass ? "pass" : v.outcome == db::RunOutcome::fail ? "fail" : "none";
}

std::string summary(const RunData& d) {
  const Summary s = summarise(d);
  // The verdict boxed, then what it is built from.
  std::string html = fmt::format("<h2>Summary</h2>\n<p><span class=\"verdict {}\">{}</span> {}</p>\n", verdict_class(s.verdict),
                                 escape(s.verdict.label()), escape(s.verdict.basis()));
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, c] : s.by_name)
    rows.push_back({escape(name), fmt::format("{}", c.pass), c.fail ? fmt::format("<b class=fail>{}</b>", c.fail) : "0",
                    fmt::format("{}", c.dead), fmt::format("{}", c.not_judged)});
  html += html_table({"result", "pass", "fail", "dead", "not judged"}, rows);
  if (!s.failing.empty()) {
    html += "<details><summary>failing results (first 30)</summary><ul>";
    for (const auto& f : s.failing) html += "<li>" + escape(f) + "</li>";
    html += "</ul></details>\n";
  }
  return html;
}

std::string events(const RunData& d) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : d.events) {
    if (e.kind != db::EventKind::alarm && e.kind != db::EventKind::fault && e.kind != db::EventKind::operator_action &&
        e.kind != db::EventKind::state)
      continue;
    rows.push_back({e.t_s ? utc_text(*e.t_s) : "-", escape(std::string(db::to_string(e.kind))), escape(e.source), escape(e.message)});
  }
  return "<h2>Events</h2>\n" + html_table({"time", "kind", "source", "message"}, rows);
}

}  // namespace

std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string html = "<table>";
  if (std::ranges::any_of(header, [](const std::string& h) { return !h.empty(); })) {
    html += "<tr>";
    for (const auto& h : header) html += "<th>" + escape(h) + "</th>";
    html += "</tr>";
  }
  for (const auto& row : rows) {
    html += "<tr>";
    for (const auto& cell : row) html += "<td>" + cell + "</td>";  // cells are HTML already
    html += "</tr>";
  }
  return html + "</table>\n";
}

std::string fmt_value(double value, std::string_view unit) {
  if (std::isnan(value)) return "-";
  const std::string number = si_label(value);
  if (unit.empty()) return number;
  // "1.5 G" + "Hz" -> "1.5 GHz"; "85" + "°C" -> "85 °C"
  return number.find(' ') != std::string::npos ? number + std::string(unit) : number + " " + std::string(unit);
}

std::string lane_map(const RunData& run, const std::string& title, const std::vector<double>& values, const std::string& unit,
                     bool log_scale, const std::vector<bool>& flagged, TickStyle ticks, const MarkedLane& marked,
                     const LaneKinds& kinds) {
  HeatmapSpec map{.title = title, .unit = unit, .layout = run.layout, .values = values, .flagged = flagged,
                  .catastrophic = kinds.catastrophic, .dead = kinds.dead, .flagged_meaning = kinds.flagged_meaning,
                  .scale = log_scale ? ScaleKind::log : ScaleKind::linear, .ticks = ticks, .limit = marked.limit};
  if (marked.lane > 0) {
    map.marked_lane = marked.lane;
    map.marked_label = fmt::format("outlined: {}{}", lane_position(run, marked.lane), marked.what.empty() ? "" : ", " + marked.what);
  }
  return "<h3>Lane map</h3>\n" + render_heatmap(map);
}

std::string lane_position(const RunData& run, int lane) {
  const auto at = run.layout.cell(lane);
  if (!at) return fmt::format("lane {}", lane);
  return fmt::format("lane {} (row {}, column {})", lane, at->row + 1, at->col + 1);
}

std::string fmt_result(const RunResult& result) {
  return db::qualified(result.record.qualifier, fmt_value(result.record.value, result.record.unit == "1" ? "" : result.record.unit));
}

Result<std::string> render_run_summary(db::Reader& reader, std::string_view uuid_or_prefix) {
  auto d = load_run(reader, uuid_or_prefix);
  if (!d) return fail(d.error());
  const Summary s = summarise(*d);
  std::string out = fmt::format("{} (run {} {})\n", s.verdict.headline(), d->run.uuid.substr(0, 8), db::to_string(d->run.status));
  for (const auto& [name, c] : s.by_name)
    out += fmt::format("  {:<30} {:>5} pass {:>5} fail {:>5} dead {:>5} not judged\n", name, c.pass, c.fail, c.dead, c.not_judged);
  for (const auto& r : d->results) {
    if (r.record.lane) continue;
    std::string condition;
    for (const char* key : {"temperature_c", "drive_current_a"})
      if (r.extra.contains(key) && r.extra[key].is_number())
        condition = fmt::format(" at {}", fmt_value(r.extra[key].get<double>(), key[0] == 't' ? "°C" : "A"));
    const db::Verdict v = db::verdict_of(r.record);
    out += fmt::format("  {}{} {} {}{}\n", r.record.name, condition, db::relation(r.record.qualifier),
                       fmt_value(r.record.value, r.record.unit == "1" ? "" : r.record.unit),
                       v == db::Verdict::pass ? " (pass)" : v == db::Verdict::fail ? " (FAIL)" : "");
  }
  return out;
}

Result<std::string> render_run_report(db::Reader& reader, std::string_view uuid_or_prefix) {
  auto data = load_run(reader, uuid_or_prefix);
  if (!data) return fail(data.error());
  std::string body = bandwidth_section(*data, reader) + ber_section(*data) + burn_in_section(*data, reader) +
                     liv_section(*data, reader);
  // An aborted burn-in has no results yet its weeks of readings are stored: show them.
  if (body.empty() || data->run.status != db::RunStatus::finished) {
    if (body.empty()) body = "<p>This run has no results of a kind the report plots (bandwidth, BER, burn-in, LIV).</p>\n";
    body += recorded_section(*data, reader);
  }
  return fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ledlab {} {}</title>"
                     "<style>{}</style></head><body>\n<h1>ledlab report: {} run {}</h1>\n{}{}{}{}</body></html>\n",
                     escape(data->run.sequence), escape(data->run.uuid.substr(0, 8)), kStyle, escape(data->run.sequence),
                     escape(data->run.uuid), summary(*data), body, provenance(*data), events(*data));
}

}  // namespace ledlab::report
