// Bandwidth runs: f3dB map, response curves with their fits, f3dB vs current density.
#include "analysis/array_statistics.hpp"
#include "analysis/frequency_response.hpp"
#include "db/verdict.hpp"
#include "report/sections.hpp"
#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace ledlab::report {
namespace {

// The f3dB result of a lane at one current (nullptr when there is none).
const RunResult* f3db_result(const RunData& run, int lane, double current) {
  for (const auto* r : run.lane_results("f3db_hz"))
    if (*r->record.lane == lane && r->extra.value("drive_current_a", 0.0) == current) return r;
  return nullptr;
}

// Per lane f3dB at one current over the lanes whose sweep resolved it (NaN elsewhere): a value
// the sweep could not resolve is shown on its own, never averaged in. Runs from before the
// flag existed carry no `resolved` and count as resolved.
std::vector<double> resolved_values(const RunData& run, double current) {
  auto values = run.lane_values("f3db_hz", "drive_current_a", current);
  for (const auto* r : run.lane_results("f3db_hz")) {
    const int lane = *r->record.lane;
    if (r->extra.value("drive_current_a", 0.0) == current && !r->extra.value("resolved", true) && lane >= 1 &&
        lane <= static_cast<int>(values.size()))
      values[static_cast<std::size_t>(lane - 1)] = std::nan("");
  }
  return values;
}

// The lane with the lowest resolved f3dB at one current (nullptr when none resolved).
const RunResult* slowest_resolved(const RunData& run, double current) {
  const RunResult* worst = nullptr;
  for (const auto* r : run.lane_results("f3db_hz"))
    if (r->extra.value("drive_current_a", 0.0) == current && !r->dead() && r->extra.value("resolved", true) &&
        std::isfinite(r->record.value) && (!worst || r->record.value < worst->record.value))
      worst = r;
  return worst;
}

// A lower limit the sequence put on the results `name` (the first one stored), if any.
std::optional<double> lower_limit_of(const RunData& run, std::string_view name) {
  for (const auto* r : run.lane_results(name))
    if (r->record.lower_limit) return r->record.lower_limit;
  return std::nullopt;
}

// A lane's measured response at one current in dB of the fitted low-frequency level (the mean
// of its first three points, moved by the fit's plateau_gain_db when the run stored it).
PlotSeries response_curve(const RunData& run, db::Reader& reader, int lane, double current, const std::string& name) {
  PlotSeries s;
  s.name = name;
  s.markers = true;
  s.line = false;
  const db::SeriesRecord* freq = nullptr;
  for (const auto* f : run.series_of("modulation_frequency", 0))
    if (condition(*f, "drive_current_a") == current) freq = f;
  for (const auto* a : run.series_of("mod_amplitude", lane)) {
    if (!freq || condition(*a, "drive_current_a") != current) continue;
    auto fs = reader.samples(freq->id);
    auto as = reader.samples(a->id);
    if (!fs || !as) break;
    for (std::size_t k = 0; k < std::min(fs->size(), as->size()); ++k) {
      s.x.push_back((*fs)[k].value);
      s.y.push_back((*as)[k].value);
    }
  }
  if (s.y.size() >= 3) {
    const RunResult* r = f3db_result(run, lane, current);
    const double gain_db = r ? r->extra.value("plateau_gain_db", 0.0) : 0.0;
    const double plateau = (s.y[0] + s.y[1] + s.y[2]) / 3.0 * std::pow(10.0, gain_db / 20.0);
    for (double& y : s.y) y = y > 0 ? 20.0 * std::log10(y / plateau) : std::nan("");
  }
  return s;
}

// The fitted two-pole model of a lane at one current, in dB: tau and RC in the f3db_hz result
// (f3db_fit_hz in runs before issue 15).
PlotSeries fit_curve(const RunData& run, int lane, double current, const std::vector<double>& freqs) {
  PlotSeries s;
  std::vector<const RunResult*> fits;
  if (const RunResult* r = f3db_result(run, lane, current); r && r->extra.contains("tau_s")) fits.push_back(r);
  for (const auto* r : run.lane_results("f3db_fit_hz"))
    if (fits.empty() && *r->record.lane == lane && r->extra.value("drive_current_a", 0.0) == current) fits.push_back(r);
  for (const auto* r : fits) {
    const double tau = r->extra.value("tau_s", 0.0), rc = r->extra.value("rc_s", 0.0);
    for (double f : freqs) {
      s.x.push_back(f);
      s.y.push_back(20.0 * std::log10(analysis::pole_magnitude(f, tau, rc)));
    }
  }
  s.dashed = true;
  s.width = 1.0;
  return s;
}

}  // namespace

std::string bandwidth_section(const RunData& run, db::Reader& reader) {
  if (!run.has("f3db_hz")) return {};
  std::string html = "<h2>Bandwidth</h2>\n";
  const auto currents = run.distinct("f3db_hz", "drive_current_a");
  if (currents.empty()) return html + "<p>No f3dB results carry a drive current.</p>";

  // f3dB vs current density: array median with the interquartile range as bars.
  PlotSpec trend{.title = "f3dB vs current density (median, bars: IQR)", .x_label = "current density (A/cm²)",
                 .y_label = "f3dB (Hz)", .x_scale = ScaleKind::log, .y_scale = ScaleKind::log};
  PlotSeries median{.name = "f3dB (resolved lanes)", .markers = true};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> warnings;
  const auto f3db_limit = lower_limit_of(run, "f3db_hz");
  if (f3db_limit) trend.limits.push_back({*f3db_limit, "f3dB limit " + fmt_value(*f3db_limit, "Hz")});
  for (double current : currents) {
    const auto values = resolved_values(run, current);
    // Counted from the results themselves: a lane is resolved, not resolved or dead.
    std::size_t resolved = 0, unresolved = 0;
    std::string why;
    for (const auto* r : run.lane_results("f3db_hz")) {
      if (r->extra.value("drive_current_a", 0.0) != current || r->dead()) continue;
      if (r->extra.value("resolved", true) && std::isfinite(r->record.value)) {
        ++resolved;
      } else if (unresolved++ == 0) {
        why = fmt::format("lane {}: {}", *r->record.lane, r->extra.value("note", std::string{"no reason stored"}));
      }
    }
    // The interpolated figure over the same lanes as the fit's median.
    auto interp = run.lane_values(run.has("f3db_interp_hz") ? "f3db_interp_hz" : "f3db_fit_hz", "drive_current_a", current);
    for (std::size_t i = 0; i < interp.size(); ++i)
      if (i >= values.size() || !std::isfinite(values[i])) interp[i] = NAN;
    double density = std::nan("");
    for (const auto* r : run.lane_results("f3db_hz"))
      if (r->extra.value("drive_current_a", 0.0) == current) density = r->extra.value("current_density_a_cm2", density);
    median.x.push_back(density);
    median.y.push_back(analysis::median(values));
    median.y_low.push_back(analysis::percentile(values, 25));
    median.y_high.push_back(analysis::percentile(values, 75));
    const RunResult* worst = slowest_resolved(run, current);
    rows.push_back({fmt_value(current, "A"), fmt_value(density, "A/cm²"), fmt_value(analysis::median(values), "Hz"),
                    fmt_value(analysis::interquartile_range(values), "Hz"), fmt_value(analysis::median(interp), "Hz"),
                    worst ? escape(fmt_result(*worst) + ", " + lane_position(run, *worst->record.lane)) : "-",
                    fmt::format("{}", resolved), fmt::format("{}", unresolved)});
    if (unresolved > 0)
      warnings.push_back(fmt::format("At {} the sweep did not resolve f3dB on {} lane(s); they are left out of the "
                                     "median, IQR and map (first: {}).",
                                     fmt_value(current, "A"), unresolved, why));
  }
  trend.series.push_back(std::move(median));
  html += "<p>f3dB is the two-pole fit with the low-frequency level fitted; \"interpolated\" is the -3 dB crossing "
          "against that level.</p>\n";
  for (const auto& w : warnings) html += "<p class=\"warning\">Warning: " + escape(w) + "</p>\n";
  html += html_table({"drive current", "current density", "median f3dB", "IQR", "median interpolated",
                      "lowest resolved f3dB (worst lane)", "resolved lanes", "not resolved"},
                     rows);
  html += render_plot(trend);

  // The map and curves at the highest current; curves of the slowest, median and fastest lane.
  const double top = currents.back();
  const auto values = resolved_values(run, top);
  MarkedLane slowest;
  if (const RunResult* worst = slowest_resolved(run, top)) {
    slowest = {*worst->record.lane, "the lowest resolved f3dB, " + fmt_result(*worst), f3db_limit};
    html += fmt::format("<p>Slowest lane at {}: <b>{}</b>, f3dB {}.</p>\n", escape(fmt_value(top, "A")),
                        escape(lane_position(run, slowest.lane)), escape(fmt_result(*worst)));
  }
  html += lane_map(run, fmt::format("f3dB per lane at {} (blank: dead or not resolved)", fmt_value(top, "A")), values,
                   "Hz", false, {}, TickStyle::si, slowest);
  std::vector<std::pair<double, int>> ranked;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(values[i]) && values[i] > 0) ranked.emplace_back(values[i], static_cast<int>(i + 1));
  std::ranges::sort(ranked);
  PlotSpec curves{.title = fmt::format("normalised response at {} (dashed: fit)", fmt_value(top, "A")),
                  .x_label = "modulation frequency (Hz)", .y_label = "response (dB)", .x_scale = ScaleKind::log};
  curves.limits.push_back({-3.0103, "-3 dB"});
  if (!ranked.empty()) {
    const std::pair<std::string, int> picks[] = {{"slowest", ranked.front().second},
                                                 {"median", ranked[ranked.size() / 2].second},
                                                 {"fastest", ranked.back().second}};
    const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c"};
    int n = 0;
    for (const auto& [what, lane] : picks) {
      auto measured = response_curve(run, reader, lane, top, fmt::format("lane {} ({})", lane, what));
      auto fit = fit_curve(run, lane, top, measured.x);
      measured.color = fit.color = colors[n++];
      curves.series.push_back(std::move(measured));
      curves.series.push_back(std::move(fit));
    }
  }
  html += render_plot(curves);

  if (run.has("max_bit_rate_bps")) {
    // Judged against the sequence's lower limit (min_bit_rate_bps): crossed where a lane misses
    // it, the slowest live lane outlined, the limit on the colour bar.
    const auto rates = run.lane_values("max_bit_rate_bps");
    std::vector<bool> below(rates.size(), false), dead(rates.size(), false);
    const RunResult* worst = nullptr;
    std::size_t failing = 0, live = 0;
    for (const auto* r : run.lane_results("max_bit_rate_bps")) {
      const int lane = *r->record.lane;
      if (lane < 1 || lane > static_cast<int>(rates.size())) continue;
      const auto i = static_cast<std::size_t>(lane - 1);
      if (r->dead()) {
        dead[i] = true;
        continue;
      }
      ++live;
      below[i] = db::verdict_of(r->record) == db::Verdict::fail;
      failing += below[i];
      if (!worst || r->record.value < worst->record.value) worst = r;
    }
    const auto limit = lower_limit_of(run, "max_bit_rate_bps");
    MarkedLane marked;
    if (worst) {
      marked = {*worst->record.lane, "the lowest usable bit rate, " + fmt_result(*worst), limit};
      html += fmt::format("<p>Highest bit rate with the BER upper bound under the threshold: {}slowest live lane "
                          "<b>{}</b> at {}.</p>\n",
                          limit ? fmt::format("{} of {} live lanes under the limit of {}; ", failing, live,
                                              escape(fmt_value(*limit, "b/s")))
                                : std::string{},
                          escape(lane_position(run, *worst->record.lane)), escape(fmt_result(*worst)));
    }
    html += lane_map(run, "highest bit rate with BER under the threshold", rates, "b/s", false, below, TickStyle::si, marked,
                     {.flagged_meaning = "under the bit-rate limit", .dead = dead});
  }
  return html;
}

}  // namespace ledlab::report
