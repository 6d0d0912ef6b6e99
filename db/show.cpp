#include "db/show.hpp"
#include "core/time_format.hpp"

#include "db/ownership.hpp"
#include "db/result_stats.hpp"
#include "db/run_rows.hpp"
#include "db/value_text.hpp"
#include "db/verdict.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <set>

namespace ledlab::db {
namespace {

constexpr std::size_t kLastEvents = 5;  // the tail tells how the run ended

std::string opt_time(const std::optional<double>& t) { return t ? iso_utc(*t) : "-"; }
std::string lane_text(const std::optional<int>& lane) { return lane ? std::to_string(*lane) : "-"; }

// "1-400", "1-8,10-400"; many separate stretches, or a long text, as "199 in 1-399".
std::string lane_ranges(const std::set<int>& lanes) {
  if (lanes.empty()) return "-";
  std::vector<std::pair<int, int>> ranges;
  for (int lane : lanes) {
    if (!ranges.empty() && ranges.back().second + 1 == lane) ranges.back().second = lane;
    else ranges.emplace_back(lane, lane);
  }
  std::string text;
  for (const auto& [a, b] : ranges) text += fmt::format("{}{}", text.empty() ? "" : ",", a == b ? fmt::format("{}", a) : fmt::format("{}-{}", a, b));
  // Wider than its column: the count and the span ("398 in 1-400").
  if (ranges.size() > 3 || text.size() > 14) return fmt::format("{} in {}-{}", lanes.size(), *lanes.begin(), *lanes.rbegin());
  return text;
}

// Lanes, and "-" for series or results tied to none.
std::string lanes_text(const std::set<int>& lanes, bool laneless) {
  return lanes.empty() || !laneless ? lane_ranges(lanes) : lane_ranges(lanes) + " and -";
}

std::string joined(const std::set<std::string>& words) {
  std::string text;
  for (const auto& w : words) text += (text.empty() ? "" : ",") + (w.empty() ? std::string("-") : w);
  return text.empty() ? "-" : text;
}

// Series of one quantity, summed up.
struct QuantityGroup {
  std::string quantity;
  std::set<std::string> units, conditions;
  std::set<int> lanes;
  bool laneless = false;
  std::int64_t series = 0, samples = 0;
  std::optional<double> first, last;
};

std::vector<QuantityGroup> group_by_quantity(const std::vector<SeriesRecord>& series) {
  std::vector<QuantityGroup> groups;  // in the order the quantities were first declared
  std::map<std::string, std::size_t, std::less<>> index;
  for (const auto& s : series) {
    auto [it, added] = index.try_emplace(s.spec.quantity, groups.size());
    if (added) groups.push_back({.quantity = s.spec.quantity});
    QuantityGroup& g = groups[it->second];
    g.units.insert(s.spec.unit);
    g.conditions.insert(s.spec.conditions_json);
    if (s.spec.lane) g.lanes.insert(*s.spec.lane);
    else g.laneless = true;
    ++g.series;
    g.samples += s.sample_count;
    if (s.first_t_s) g.first = g.first ? std::min(*g.first, *s.first_t_s) : *s.first_t_s;
    if (s.last_t_s) g.last = g.last ? std::max(*g.last, *s.last_t_s) : *s.last_t_s;
  }
  return groups;
}

// Results of one name, summed up.
struct ResultGroup {
  std::string name;
  std::set<std::string> units;
  std::set<int> lanes;
  bool array = false;  // some result of this name is array-wide (no lane)
  std::int64_t count = 0, pass = 0, fail = 0, dead = 0, unjudged = 0;
  ResultStatsBuilder stats;
};

struct ResultSummary {
  std::vector<ResultGroup> groups;  // in the order first recorded
  VerdictTally tally;
};

// A value as the results table writes it: dimensionless ones as db/value_text.hpp says.
std::string number(const ResultGroup& g, double value) {
  if (std::isnan(value)) return "-";
  if (g.units.size() == 1 && *g.units.begin() == "1") return dimensionless_text(g.name, value);
  return fmt::format("{:.4g}", value);
}

// median, "q1 .. q3", and the worst lane against its limits (or, with no limits, the range).
std::array<std::string, 3> key_values(const ResultGroup& g) {
  const ResultStats s = g.stats.finish();
  if (s.live == 0) return {"-", "-", "-"};
  const std::string iqr = s.live > 1 ? fmt::format("{} .. {}", number(g, s.q1), number(g, s.q3)) : "-";
  std::string worst;
  if (s.worst)
    worst = qualified(s.worst->qualifier, number(g, s.worst->value)) + (s.worst->lane ? fmt::format(" lane {}", *s.worst->lane) : "");
  else if (s.live > 1)
    worst = fmt::format("range {} .. {}", qualified(s.lo_q, number(g, s.lo)), qualified(s.hi_q, number(g, s.hi)));
  else
    worst = "-";
  return {s.live == 1 ? qualified(s.lo_q, number(g, s.lo)) : number(g, s.median), iqr, worst};
}

std::string_view verdict_word(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "FAIL";
    case Verdict::dead: return "dead";
    case Verdict::not_judged: break;
  }
  return "-";
}

std::string station_summary(const std::string& station_json) {
  const auto station = nlohmann::json::parse(station_json, nullptr, false);
  if (!station.is_object()) return station_json;
  std::string text = station.value("name", std::string("-"));
  if (station.contains("source") && station["source"].is_string()) text += fmt::format(" ({})", station["source"].get<std::string>());
  if (station.value("simulated", false)) text += ", simulated";
  return text;
}

void print_event(std::ostream& out, const EventRecord& e) {
  out << fmt::format("  {} {:<9} {:<10} {}\n", opt_time(e.t_s), to_string(e.kind), e.source, e.message);
}

}  // namespace

Status print_run(std::ostream& out, Reader& reader, const RunRecord& stored, const ShowOptions& options) {
  RunRecord r = stored;  // as a reader sees it: a run whose process is gone is interrupted
  r.status = observed_status(stored);
  auto totals = reader.totals(r.id);
  if (!totals) return fail(totals.error());
  auto instruments = reader.instruments(r.id);
  if (!instruments) return fail(instruments.error());
  auto series = reader.series(r.id);
  if (!series) return fail(series.error());

  ResultSummary results;
  std::map<std::string, std::size_t, std::less<>> result_index;
  auto st = for_each_result(reader, r.id, [&](const ResultRecord& x) {
    auto [it, added] = result_index.try_emplace(x.name, results.groups.size());
    if (added) results.groups.push_back({.name = x.name});
    ResultGroup& g = results.groups[it->second];
    g.units.insert(x.unit);
    if (x.lane) g.lanes.insert(*x.lane);
    else g.array = true;
    ++g.count;
    results.tally.add(x);
    switch (verdict_of(x)) {
      case Verdict::pass: ++g.pass; break;
      case Verdict::fail: ++g.fail; break;
      case Verdict::dead: ++g.dead; break;
      case Verdict::not_judged: ++g.unjudged; break;
    }
    g.stats.add(x);
  });
  if (!st) return st;
  const RunVerdict verdict = results.tally.verdict(r);

  auto line = [&](std::string_view key, const std::string& value) { out << fmt::format("{:<12}{}\n", key, value); };
  // A last line without its line break is a line too.
  const auto script_lines = std::count(r.script_text.begin(), r.script_text.end(), '\n') +
                            (r.script_text.empty() || r.script_text.ends_with('\n') ? 0 : 1);
  line("run", r.uuid);
  std::string status(to_string(r.status));
  if (r.status != stored.status)
    status += fmt::format(" (its process {} on {} is gone; the store says {} until a writer next opens it)", r.owner_pid,
                          r.host, to_string(stored.status));
  line("status", status);
  // The verdict the HTML report and `ledlab run` give, with what it is built from (verdict.hpp).
  line("verdict", verdict.headline());
  line("sequence", r.sequence);
  line("script", fmt::format("sha256 {} ({} lines)", r.script_sha256, script_lines));
  line("dut", r.dut_serial);
  line("operator", r.operator_name);
  line("host", fmt::format("{} (pid {})", r.host, r.owner_pid));
  line("ledlab", r.ledlab_version);
  line("started", fmt::format("{} ({})", iso_utc(r.started_s), r.started_s));
  line("ended", r.ended_s ? fmt::format("{} ({}, {:.1f} s)", iso_utc(*r.ended_s), *r.ended_s, *r.ended_s - r.started_s)
                          : std::string("-"));
  std::optional<double> first, last;
  for (const auto& s : *series) {
    if (s.first_t_s) first = first ? std::min(*first, *s.first_t_s) : *s.first_t_s;
    if (s.last_t_s) last = last ? std::max(*last, *s.last_t_s) : *s.last_t_s;
  }
  line("data", first && last ? fmt::format("{} .. {} ({:.1f} h)", iso_utc(*first), iso_utc(*last), (*last - *first) / 3600.0)
                             : std::string("no samples"));
  line("parameters", r.parameters_json);
  line("station", options.station ? r.station_json : station_summary(r.station_json));
  line("counts", fmt::format("{} series, {} samples, {} results ({} failed), {} events ({} alarms/faults)", totals->series,
                             totals->samples, totals->results, totals->results_failed, totals->events,
                             totals->alarms_and_faults));
  if (totals->superseded_samples > 0 || totals->superseded_results > 0)
    line("superseded", fmt::format("{} samples, {} results (recorded after the last checkpoint, set aside on resume, "
                                   "then redone)", totals->superseded_samples, totals->superseded_results));

  out << fmt::format("\ninstruments ({})\n", instruments->size());
  for (const auto& i : *instruments) out << fmt::format("  {:<12} {:<18} {:<28} {}\n", i.name, i.kind, i.resource, i.idn);

  const auto quantities = group_by_quantity(*series);
  out << fmt::format("\nseries by quantity ({} quantities, {} series{})\n", quantities.size(), series->size(),
                     options.series ? "" : "; --series lists each");
  if (!quantities.empty())
    out << fmt::format("  {:<22} {:<6} {:>6}  {:<14} {:>5} {:>12}  {:<20}  {}\n", "quantity", "unit", "series", "lanes",
                       "conds", "samples", "first", "last");
  for (const auto& g : quantities) {
    const std::string lanes = lanes_text(g.lanes, g.laneless);
    out << fmt::format("  {:<22} {:<6} {:>6}  {:<14} {:>5} {:>12}  {:<20}  {}\n", g.quantity, joined(g.units), g.series,
                       lanes, g.conditions.size(), g.samples, opt_time(g.first), opt_time(g.last));
  }
  if (options.series) {
    out << "\nseries\n";
    for (const auto& s : *series)
      out << fmt::format("  {:>6}  lane {:<5} {:<20} {:<6} n={:<10} {} .. {}  {}\n", s.id, lane_text(s.spec.lane),
                         s.spec.quantity, s.spec.unit, s.sample_count, opt_time(s.first_t_s), opt_time(s.last_t_s),
                         s.spec.conditions_json);
  }

  out << fmt::format("\nresults by name ({} names, {} results, {} failed{})\n", results.groups.size(), totals->results,
                     verdict.all.fail, options.results ? "" : "; --results lists each");
  // Per name the counts, then the live lanes' median and IQR and the worst lane: a summary of
  // 400 lanes in one line (--results lists each).
  if (!results.groups.empty())
    out << fmt::format("  {:<30} {:<6} {:>7} {:<14} {:>5} {:>5} {:>4} {:>8}  {:<10} {:<22} {}\n", "name", "unit", "results",
                       "lanes", "pass", "fail", "dead", "unjudged", "median", "IQR", "worst (or range)");
  for (const auto& g : results.groups) {
    const auto [median, iqr, worst] = key_values(g);
    out << fmt::format("  {:<30} {:<6} {:>7} {:<14} {:>5} {:>5} {:>4} {:>8}  {:<10} {:<22} {}\n", g.name, joined(g.units),
                       g.count, lanes_text(g.lanes, g.array), g.pass, g.fail > 0 ? fmt::format("{}!", g.fail) : "0", g.dead,
                       g.unjudged, median, iqr, worst);
  }
  if (options.results) {
    out << "\nresults\n";
    st = for_each_result(reader, r.id, [&](const ResultRecord& x) {  // a second pass: no run's results held
      auto bound = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string("-"); };
      out << fmt::format("  {:<20} lane {:<5} {:<14} {:<6} [{}, {}] {}\n", x.name, lane_text(x.lane),
                         qualified(x.qualifier, fmt::format("{}", x.value)), x.unit, bound(x.lower_limit), bound(x.upper_limit),
                         verdict_word(verdict_of(x)));
    });
    if (!st) return st;
  }

  // Events are streamed; without --events only the last few are kept.
  out << fmt::format("\nevents ({}, {} alarms/faults{})\n", totals->events, totals->alarms_and_faults,
                     options.events ? "" : fmt::format("; the last {}, --events lists each", kLastEvents));
  std::deque<EventRecord> tail;
  std::int64_t seen = 0;
  st = for_each_event(reader, r.id, [&](const EventRecord& e) {
    ++seen;
    if (options.events) return print_event(out, e);
    tail.push_back(e);
    if (tail.size() > kLastEvents) tail.pop_front();
  });
  if (!st) return st;
  if (!options.events && seen > static_cast<std::int64_t>(tail.size()))
    out << fmt::format("  ... {} earlier\n", seen - static_cast<std::int64_t>(tail.size()));
  for (const auto& e : tail) print_event(out, e);

  auto checkpoints = reader.checkpoints(r.id);
  if (!checkpoints) return fail(checkpoints.error());
  if (!checkpoints->empty()) {
    out << fmt::format("\ncheckpoints ({})\n", checkpoints->size());
    for (const auto& c : *checkpoints) out << fmt::format("  {:<20} {} {}\n", c.name, iso_utc(c.t_s), c.state_json);
  }
  if (options.script) out << "\nscript\n" << r.script_text << (r.script_text.ends_with('\n') ? "" : "\n");
  return {};
}

Result<std::string> stored_state_line(Reader& reader, const RunRecord& stored) {
  RunRecord r = stored;
  r.status = observed_status(stored);
  VerdictTally tally;
  if (auto st = for_each_result(reader, r.id, [&](const ResultRecord& x) { tally.add(x); }); !st) return fail(st.error());
  const RunVerdict verdict = tally.verdict(r);
  std::string when;
  if (r.ended_s) when = fmt::format("ended {} ({:.2f} h after the start)", iso_utc(*r.ended_s), (*r.ended_s - r.started_s) / 3600.0);
  else if (r.status != stored.status) when = fmt::format("its process {} on {} is gone", r.owner_pid, r.host);
  else when = fmt::format("running since {}", iso_utc(r.started_s));
  // The verdict's own word repeats the state of a run that did not finish; its basis does not.
  return fmt::format("{}, {}; {}", to_string(r.status), when,
                     verdict.outcome == RunOutcome::not_finished ? verdict.basis() : verdict.headline());
}

}  // namespace ledlab::db
