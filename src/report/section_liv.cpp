// LIV runs: array figures, L-I, V-I and EQE vs current density of the lowest, median and
// highest peak-EQE lanes, lane maps of peak EQE and reverse leakage.
#include "analysis/array_statistics.hpp"
#include "analysis/liv.hpp"
#include "db/verdict.hpp"
#include "report/sections.hpp"
#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace ledlab::report {
namespace {

// A lane's readings of `quantity` by sweep current (series condition current_a).
std::map<double, double> by_current(const RunData& run, db::Reader& reader, std::string_view quantity, int lane) {
  std::map<double, double> out;
  for (const auto* s : run.series_of(quantity, lane)) {
    const double current = condition(*s, "current_a");
    if (!std::isfinite(current)) continue;
    auto samples = reader.samples(s->id);
    if (samples && !samples->empty()) out[current] = samples->back().value;
  }
  return out;
}

// EQE as a percentage with its qualifier ("> 5 %"): "50 m" would read as a unit.
std::string eqe_text(const RunResult& r) {
  return db::qualified(r.record.qualifier, fmt::format("{:.3g} %", 100 * r.record.value));
}

}  // namespace

std::string liv_section(const RunData& run, db::Reader& reader) {
  if (!run.has("peak_eqe")) return {};
  std::string html = "<h2>Light-current-voltage</h2>\n";
  double diameter_um = std::nan(""), wavelength_nm = std::nan("");
  std::vector<std::pair<double, int>> ranked;  // peak EQE, lane (live lanes with a peak)
  std::vector<const RunResult*> by_lane(static_cast<std::size_t>(std::max(run.lanes, 0)), nullptr);
  std::vector<bool> dead(by_lane.size(), false);
  std::size_t dead_n = 0, at_edge = 0, too_few = 0;
  for (const auto* r : run.lane_results("peak_eqe")) {
    diameter_um = r->extra.value("diameter_um", diameter_um);
    wavelength_nm = r->extra.value("wavelength_nm", wavelength_nm);
    const int lane = *r->record.lane;
    if (lane < 1 || lane > run.lanes) continue;
    const auto i = static_cast<std::size_t>(lane - 1);
    if (r->dead()) {
      ++dead_n;
      dead[i] = true;
      continue;
    }
    // Fewer than three points inside compliance: stored as 0, not a peak.
    if (r->extra.contains("not_judged")) {
      ++too_few;
      continue;
    }
    if (r->extra.value("peak_at_edge", false)) ++at_edge;
    if (r->record.value > 0) {
      ranked.emplace_back(r->record.value, lane);
      by_lane[i] = r;
    }
  }
  std::ranges::sort(ranked);
  // Per lane figures of live lanes only: a dead lane's forward voltage and leakage are those of
  // an open or shorted emitter, not of the array's LEDs.
  const auto live_values = [&](std::string_view name) {
    auto values = run.lane_values(name);
    for (std::size_t i = 0; i < values.size() && i < dead.size(); ++i)
      if (dead[i]) values[i] = NAN;
    return values;
  };
  std::vector<double> peak(by_lane.size(), NAN);
  for (std::size_t i = 0; i < by_lane.size(); ++i)
    if (by_lane[i]) peak[i] = 100 * by_lane[i]->record.value;  // %
  const auto leakage = live_values("reverse_leakage_a");
  const auto vf = live_values("forward_voltage_v");
  std::vector<bool> leaky(leakage.size(), false);
  std::optional<double> leakage_limit;
  const RunResult* most_leaky = nullptr;
  for (const auto* r : run.lane_results("reverse_leakage_a")) {
    const int lane = *r->record.lane;
    if (lane < 1 || lane > static_cast<int>(leaky.size()) || dead[static_cast<std::size_t>(lane - 1)]) continue;
    if (r->record.upper_limit) leakage_limit = r->record.upper_limit;
    leaky[static_cast<std::size_t>(lane - 1)] = db::verdict_of(r->record) == db::Verdict::fail;
    if (!most_leaky || r->record.value > most_leaky->record.value) most_leaky = r;
  }
  const RunResult* highest_vf = nullptr;
  for (const auto* r : run.lane_results("forward_voltage_v")) {
    const int lane = *r->record.lane;
    if (lane < 1 || lane > static_cast<int>(dead.size()) || dead[static_cast<std::size_t>(lane - 1)] ||
        !std::isfinite(r->record.value))
      continue;
    if (!highest_vf || r->record.value > highest_vf->record.value) highest_vf = r;
  }
  const auto count = [](const std::vector<bool>& v) { return std::ranges::count(v, true); };

  html += html_table(
      {"figure", "value"},
      {{"median peak EQE (collected, live lanes with a peak)",
        (std::isfinite(analysis::median(peak)) ? fmt::format("{:.3g} %", analysis::median(peak)) : std::string("-")) +
            (at_edge > 0 ? fmt::format(" ({} of them lower bounds: peak at the sweep's edge)", at_edge) : std::string{})},
       {"median droop peak (current density of maximum EQE)", fmt_value(analysis::median(live_values("droop_peak_j_a_per_cm2")), "A/cm²")},
       {"lanes whose EQE peak lies at the sweep's edge (not resolved)", fmt::format("{}", at_edge)},
       {"lanes with fewer than 3 points inside compliance (no peak)", fmt::format("{}", too_few)},
       {"median forward voltage at the operating current, live lanes", fmt_value(analysis::median(vf), "V")},
       {"median series resistance", fmt_value(analysis::median(live_values("series_resistance_ohm")), "Ω")},
       {"median reverse leakage, live lanes", fmt_value(analysis::median(leakage), "A")},
       {leakage_limit ? "live lanes over the leakage limit of " + escape(fmt_value(*leakage_limit, "A"))
                      : std::string("live lanes over the leakage limit (none set)"),
        fmt::format("{}", count(leaky))},
       {"dead lanes (no light at the highest current)", fmt::format("{}", dead_n)}});

  // The worst lanes, named with where they sit on the array.
  MarkedLane lowest_eqe, highest_v, leakiest;
  if (!ranked.empty()) {
    const RunResult& r = *by_lane[static_cast<std::size_t>(ranked.front().second - 1)];
    lowest_eqe = {ranked.front().second, "the lowest peak EQE, " + eqe_text(r), std::nullopt};
    html += fmt::format("<p>Lowest peak EQE: <b>{}</b>, {}.</p>\n", escape(lane_position(run, lowest_eqe.lane)),
                        escape(eqe_text(r)));
  }
  if (highest_vf) {
    highest_v = {*highest_vf->record.lane, "the highest forward voltage, " + fmt_result(*highest_vf), std::nullopt};
    html += fmt::format("<p>Highest forward voltage at the operating current: <b>{}</b>, {}.</p>\n",
                        escape(lane_position(run, highest_v.lane)), escape(fmt_result(*highest_vf)));
  }
  if (most_leaky) {
    leakiest = {*most_leaky->record.lane, "the highest reverse leakage, " + fmt_result(*most_leaky), leakage_limit};
    html += fmt::format("<p>Highest reverse leakage: <b>{}</b>, {}.</p>\n", escape(lane_position(run, leakiest.lane)),
                        escape(fmt_result(*most_leaky)));
  }

  if (!ranked.empty() && std::isfinite(diameter_um) && std::isfinite(wavelength_nm)) {
    const double area = analysis::emitter_area_cm2(diameter_um);
    PlotSpec li{.title = "L-I: optical power vs current", .x_label = "current (A)", .y_label = "optical power (W)",
                .x_scale = ScaleKind::log, .y_scale = ScaleKind::log};
    PlotSpec vi{.title = "V-I: forward voltage vs current", .x_label = "current (A)", .y_label = "forward voltage (V)",
                .x_scale = ScaleKind::log};
    PlotSpec eqe{.title = fmt::format("EQE vs current density ({} µm emitters)", diameter_um),
                 .x_label = "current density (A/cm²)", .y_label = "EQE (collected)", .x_scale = ScaleKind::log};
    const std::pair<std::string, int> picks[] = {{"lowest peak EQE", ranked.front().second},
                                                 {"median", ranked[ranked.size() / 2].second},
                                                 {"highest", ranked.back().second}};
    const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c"};
    int n = 0;
    for (const auto& [what, lane] : picks) {
      const auto power = by_current(run, reader, "optical_power", lane);
      const auto volts = by_current(run, reader, "forward_voltage", lane);
      const std::string name = fmt::format("lane {} ({})", lane, what);
      PlotSeries l{.name = name, .color = colors[n], .markers = true}, v = l, e = l;
      for (const auto& [current, w] : power) {
        l.x.push_back(current);
        l.y.push_back(w);
        e.x.push_back(current / area);
        e.y.push_back(analysis::external_quantum_efficiency(w, current, wavelength_nm));
      }
      for (const auto& [current, volt] : volts) {
        v.x.push_back(current);
        v.y.push_back(volt);
      }
      li.series.push_back(std::move(l));
      vi.series.push_back(std::move(v));
      eqe.series.push_back(std::move(e));
      ++n;
    }
    html += render_plot(li) + render_plot(vi) + render_plot(eqe);
  }
  const LaneKinds dead_kind{.dead = dead};
  html += lane_map(run, "peak EQE per lane (%)", peak, " %", false, {}, TickStyle::si, lowest_eqe, dead_kind);
  html += lane_map(run, "forward voltage per lane at the operating current", vf, "V", false, {}, TickStyle::si, highest_v,
                   dead_kind);
  html += lane_map(run, "reverse leakage per lane", leakage, "A", true, leaky, TickStyle::si, leakiest,
                   {.flagged_meaning = "over the leakage limit", .dead = dead});
  return html;
}

}  // namespace ledlab::report
