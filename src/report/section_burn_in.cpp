// Burn-in runs: power decay with the fit and its projection, the decay map, and Arrhenius
// acceleration from the burn-ins of the same DUT type at other stress temperatures.
#include "analysis/arrhenius.hpp"
#include "analysis/decay_fit.hpp"
#include "report/decay.hpp"
#include "report/sections.hpp"
#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ledlab::report {
namespace {

std::string arrhenius(const RunData& run, db::Reader& reader, const RunResult& array_decay) {
  const std::string type = run.parameters.value("dut_type", "");
  const double use_c = run.parameters.value("use_temperature_c", 55.0);
  auto runs = reader.list_runs({.sequence = run.run.sequence, .status = db::RunStatus::finished});
  if (!runs) return "<p>Arrhenius: " + escape(runs.error().describe()) + "</p>";
  std::vector<analysis::StressPoint> points;
  std::vector<std::vector<std::string>> rows;
  for (const auto& other : *runs) {
    const auto params = nlohmann::json::parse(other.parameters_json, nullptr, false);
    if (!params.is_object() || params.value("dut_type", "") != type) continue;
    auto results = reader.results(other.id);
    if (!results) continue;
    for (const auto& r : *results) {
      if (r.name != "decay_rate_pct_per_kh" || r.lane) continue;
      const auto extra = nlohmann::json::parse(r.extra_json, nullptr, false);
      const double alpha = extra.value("alpha_per_h", 0.0);
      const double t = params.value("stress_temperature_c", NAN);
      if (!(alpha > 0) || !std::isfinite(t)) continue;
      points.push_back({t, alpha});
      rows.push_back({other.uuid.substr(0, 8), fmt_value(t, "°C"), fmt::format("{:.3g} /h", alpha), fmt_value(r.value, "%/1000h")});
    }
  }
  std::string html = fmt::format("<h3>Arrhenius acceleration (dut_type '{}')</h3>\n", escape(type));
  html += html_table({"run", "stress temperature", "alpha (array)", "decay"}, rows);
  auto fit = analysis::fit_arrhenius(points);
  if (!fit) {
    return html + fmt::format("<p>No Arrhenius fit: {} (needs finished burn-ins of this DUT type at two or more stress "
                              "temperatures).</p>", escape(fit.error().message));
  }
  auto at_use = analysis::alpha_at_temperature(*fit, use_c);
  const double stress_c = run.parameters.value("stress_temperature_c", NAN);
  auto af = analysis::acceleration_factor(fit->ea_ev, use_c, stress_c);
  const double b = array_decay.extra.value("b", 1.0);
  html += fmt::format("<p>Ea = <b>{:.3f} eV</b> from {} runs between {} and {} (rms residual of ln alpha {:.3g}). "
                      "Acceleration of this run's {} over the use temperature {}: <b>AF = {:.2f}</b>. Temperatures are the "
                      "chamber setpoints: the junction runs hotter by the array's self-heating, which biases Ea low.</p>",
                      fit->ea_ev, fit->points, fmt_value(fit->min_temperature_c, "°C"), fmt_value(fit->max_temperature_c, "°C"),
                      fit->rms_residual_ln, fmt_value(stress_c, "°C"), fmt_value(use_c, "°C"), af ? *af : NAN);
  if (at_use) {
    html += fmt::format("<p>At {}: alpha = {:.3g} /h, {:.3g} %/1000h, L70 = {} h, L90 = {} h{}.</p>", fmt_value(use_c, "°C"),
                        at_use->alpha_per_h, analysis::decay_percent_per_1000h(at_use->alpha_per_h),
                        fmt_value(analysis::lifetime_lp_h(b, at_use->alpha_per_h, 70), ""),
                        fmt_value(analysis::lifetime_lp_h(b, at_use->alpha_per_h, 90), ""),
                        at_use->extrapolated ? " — <b>extrapolated</b> outside the tested temperatures (not TM-21 compliant)" : "");
  }
  return html;
}

}  // namespace

std::string burn_in_section(const RunData& run, db::Reader& reader) {
  if (!run.has("lane_failed")) return {};
  std::string html = "<h2>Burn-in: power decay</h2>\n";
  std::vector<bool> failed(static_cast<std::size_t>(run.lanes), false), dead(failed);
  for (const auto* r : run.lane_results("lane_failed")) {
    const auto i = static_cast<std::size_t>(*r->record.lane - 1);
    (r->dead() ? dead : failed)[i] = r->dead() || r->record.value > 0;
  }
  const auto array = run.array_results("decay_rate_pct_per_kh");
  const RunResult* fit = array.empty() ? nullptr : array.front();

  PlotSpec plot{.title = "optical power, normalised to the first reading", .x_label = "stress time (h)",
                .y_label = "P / P0"};
  // One bucket per horizontal pixel of the plot: a six-week run reads as fast as a short one.
  auto loaded = load_decay(run, reader, dead, failed, static_cast<std::size_t>(plot.width));
  if (!loaded) return html + "<p>Power decay: " + escape(loaded.error().describe()) + "</p>\n";
  const DecayCurves& decay = *loaded;
  PlotSeries mean{.name = "mean of live, not failed lanes", .x = decay.t_h, .y = decay.mean, .color = "#1f77b4", .width = 2.0};
  plot.series.push_back(mean);
  for (const auto& lane : decay.failed)
    plot.series.push_back({.name = fmt::format("lane {} (failed)", lane.lane), .x = decay.t_h, .y = lane.ratio, .width = 1.0});
  plot.limits.push_back({0.9, "-10 %: failure"});
  html += render_plot(plot);

  if (fit) {
    const double alpha = fit->extra.value("alpha_per_h", 0.0), b = fit->extra.value("b", 1.0);
    const double duration = decay.duration_h;
    const double cap = fit->extra.value("cap_h", 6 * duration);
    PlotSpec proj{.title = "TM-21 projection of the array (fit over the window, dashed beyond the test)",
                  .x_label = "time (h)", .y_label = "P / P0", .x_range = std::pair{0.0, std::max(cap, duration)}};
    PlotSeries measured = mean;
    measured.name = "measured";
    PlotSeries model{.name = fmt::format("B exp(-alpha t), alpha = {:.3g} /h", alpha), .color = "#d62728", .dashed = true};
    for (int k = 0; k <= 100; ++k) {
      const double t = proj.x_range->second * k / 100.0;
      model.x.push_back(t);
      model.y.push_back(b * std::exp(-alpha * t));
    }
    proj.series = {measured, model};
    proj.limits = {{0.9, "L90"}, {0.7, "L70"}};
    html += render_plot(proj);
    std::vector<std::vector<std::string>> rows;
    for (const char* name : {"decay_rate_pct_per_kh", "decay_rate_median_pct_per_kh", "l70_h", "l90_h", "failed_lanes", "dead_lanes"}) {
      for (const auto* r : run.array_results(name)) {
        const bool capped = r->extra.value("capped", false);
        rows.push_back({name, (capped ? "&gt; " : "") + fmt_value(r->record.value, r->record.unit == "h" ? "h" : ""),
                        escape(r->record.unit), escape(r->extra.dump())});
      }
    }
    html += html_table({"result", "value", "unit", "details"}, rows);
    html += arrhenius(run, reader, *fit);
  }
  std::vector<bool> flagged(failed.size());
  for (std::size_t i = 0; i < flagged.size(); ++i) flagged[i] = failed[i] || dead[i];
  html += lane_map(run, "decay rate per lane (crossed: failed or dead)", run.lane_values("decay_rate_pct_per_kh"), " %/kh",
                   false, flagged);
  return html;
}

}  // namespace ledlab::report
