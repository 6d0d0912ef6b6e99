// LIV runs: array figures, L-I, V-I and EQE vs current density of the lowest, median and
// highest peak-EQE lanes, lane maps of peak EQE and reverse leakage.
#include "analysis/array_statistics.hpp"
#include "analysis/liv.hpp"
#include "report/sections.hpp"
#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

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

double median_of(const RunData& run, std::string_view name) { return analysis::median(run.lane_values(name)); }

}  // namespace

std::string liv_section(const RunData& run, db::Reader& reader) {
  if (!run.has("peak_eqe")) return {};
  std::string html = "<h2>Light-current-voltage</h2>\n";
  double diameter_um = std::nan(""), wavelength_nm = std::nan("");
  std::vector<std::pair<double, int>> ranked;  // peak EQE, lane (live lanes with a peak)
  std::size_t dead = 0, at_edge = 0;
  for (const auto* r : run.lane_results("peak_eqe")) {
    diameter_um = r->extra.value("diameter_um", diameter_um);
    wavelength_nm = r->extra.value("wavelength_nm", wavelength_nm);
    if (r->dead()) {
      ++dead;
      continue;
    }
    if (r->extra.value("peak_at_edge", false)) ++at_edge;
    if (r->record.value > 0) ranked.emplace_back(r->record.value, *r->record.lane);
  }
  std::ranges::sort(ranked);
  const auto leakage = run.lane_values("reverse_leakage_a");
  std::size_t leaky = 0;
  for (const auto* r : run.lane_results("reverse_leakage_a"))
    if (r->record.upper_limit && !(r->record.value <= *r->record.upper_limit)) ++leaky;

  html += html_table({"figure", "value"},
                     {{"median peak EQE (collected)", fmt_value(median_of(run, "peak_eqe"), "")},
                      {"median droop peak (current density of maximum EQE)", fmt_value(median_of(run, "droop_peak_j_a_per_cm2"), "A/cm²")},
                      {"lanes whose EQE peak lies at the sweep's edge (not resolved)", fmt::format("{}", at_edge)},
                      {"median forward voltage at the operating current", fmt_value(median_of(run, "forward_voltage_v"), "V")},
                      {"median series resistance", fmt_value(median_of(run, "series_resistance_ohm"), "Ω")},
                      {"median reverse leakage", fmt_value(analysis::median(leakage), "A")},
                      {"lanes over the leakage limit", fmt::format("{}", leaky)},
                      {"dead lanes (no light at the highest current)", fmt::format("{}", dead)}});

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
  html += lane_map(run, "peak EQE per lane", run.lane_values("peak_eqe"), "", false);
  html += lane_map(run, "reverse leakage per lane", leakage, "A", true);
  return html;
}

}  // namespace ledlab::report
