// Burn-in runs: power decay with the fit and its projection, the decay map, and Arrhenius
// acceleration from the burn-ins of the same DUT type at other stress temperatures.
#include "analysis/arrhenius.hpp"
#include "analysis/arrhenius_runs.hpp"
#include "analysis/decay_fit.hpp"
#include "db/verdict.hpp"
#include "report/decay.hpp"
#include "report/sections.hpp"
#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace ledlab::report {
namespace {

std::string interval_text(const std::optional<double>& lo, const std::optional<double>& hi, const char* format) {
  if (!lo || !hi) return "no interval";
  return fmt::format(fmt::runtime(format), *lo, *hi);
}

// The array decay rate of one finished burn-in as the Arrhenius fit across runs takes it.
std::optional<analysis::StressRun> stress_run(const db::RunRecord& other, db::Reader& reader) {
  const auto params = nlohmann::json::parse(other.parameters_json, nullptr, false);
  if (!params.is_object()) return std::nullopt;
  auto results = reader.results(other.id);
  if (!results) return std::nullopt;
  for (const auto& r : *results) {
    if (r.name != "decay_rate_pct_per_kh" || r.lane) continue;
    const auto extra = nlohmann::json::parse(r.extra_json, nullptr, false);
    if (!extra.is_object()) return std::nullopt;
    analysis::StressRun run;
    run.run = other.uuid.substr(0, 8);
    run.dut_type = params.value("dut_type", "");
    run.drive_current_a = extra.value("drive_current_a", params.value("drive_current_a", NAN));
    run.setpoint_c = params.value("stress_temperature_c", NAN);
    if (extra.contains("dut_temperature_c")) run.dut_temperature_c = extra.value("dut_temperature_c", NAN);
    if (extra.contains("junction_temperature_c")) run.junction_temperature_c = extra.value("junction_temperature_c", NAN);
    run.power_basis = analysis::power_basis_from(extra.value("electrical_power_basis", ""));
    run.alpha_per_h = extra.value("alpha_per_h", 0.0);
    // The median lane's rate when the run has it (see analysis::median_lane_alpha_per_h: the
    // TM-21 array average does not follow Arrhenius across stresses that decay by different
    // amounts); the array's rate for runs recorded before it was stored.
    for (const auto& m : *results)
      if (m.name == "decay_rate_median_pct_per_kh" && !m.lane)
        if (const double alpha = analysis::alpha_from_decay_percent_per_1000h(m.value); alpha > 0) run.alpha_per_h = alpha;
    if (!(run.alpha_per_h > 0) || !std::isfinite(run.setpoint_c) || !std::isfinite(run.drive_current_a)) return std::nullopt;
    return run;
  }
  return std::nullopt;
}

std::string arrhenius(const RunData& run, db::Reader& reader, const RunResult& array_decay) {
  const std::string type = run.parameters.value("dut_type", "");
  const double use_c = run.parameters.value("use_temperature_c", 55.0);
  const double current_a = array_decay.extra.value("drive_current_a", run.parameters.value("drive_current_a", NAN));
  auto runs = reader.list_runs({.sequence = run.run.sequence, .status = db::RunStatus::finished});
  if (!runs) return "<p>Arrhenius: " + escape(runs.error().describe()) + "</p>";
  std::vector<analysis::StressRun> stress;
  for (const auto& other : *runs) {
    auto s = stress_run(other, reader);
    if (s && s->dut_type == type) stress.push_back(std::move(*s));
  }
  const auto all = analysis::arrhenius_across_runs(stress);
  const analysis::StressGroup* group = analysis::group_of(all, type, current_a);
  std::string html = fmt::format("<h3>Arrhenius acceleration (dut_type '{}', {:g} mA)</h3>\n", escape(type), current_a * 1e3);
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : stress) {
    const auto opt = [](const std::optional<double>& t) { return t ? fmt_value(*t, "°C") : std::string("-"); };
    const bool in_fit = group && analysis::group_of(all, s.dut_type, s.drive_current_a) == group;
    rows.push_back({s.run, fmt::format("{:g} mA", s.drive_current_a * 1e3), fmt_value(s.setpoint_c, "°C"),
                    opt(s.dut_temperature_c), opt(s.junction_temperature_c), fmt::format("{:.3g} /h", s.alpha_per_h),
                    in_fit ? "yes" : "no: other current"});
  }
  html += html_table({"run", "drive current", "setpoint", "DUT", "junction", "alpha (array)", "in this fit"}, rows);
  for (const auto& w : all.warnings) html += "<p><b>Warning:</b> " + escape(w) + "</p>\n";
  if (!group || !group->fit) {
    return html + fmt::format("<p>No Arrhenius fit: {} (needs finished burn-ins of this DUT type and drive current at "
                              "two or more stress temperatures).</p>",
                              escape(group ? group->note : std::string("no run of this DUT type and current")));
  }
  for (const auto& w : group->warnings) html += "<p><b>Warning:</b> " + escape(w) + "</p>\n";
  const analysis::ArrheniusFit& fit = *group->fit;
  // This run's stress temperature on the group's basis (its point in the fit).
  double stress_c = NAN;
  for (std::size_t i = 0; i < group->runs.size(); ++i)
    if (group->runs[i].run == run.run.uuid.substr(0, 8)) stress_c = group->points[i].temperature_c;
  auto af = analysis::acceleration_interval(fit, use_c, stress_c);
  const double b = array_decay.extra.value("b", 1.0);
  html += fmt::format(
      "<p>Ea = <b>{:.3f} eV</b> ({:g} % interval: {}) from {} runs between {} and {}, fitted on the {} (rms residual of "
      "ln alpha {}). Acceleration of this run's {} over the use temperature {}: <b>AF = {:.2f}</b> ({}).</p>",
      fit.ea_ev, 100 * fit.confidence, interval_text(fit.ea_lo_ev, fit.ea_hi_ev, "{:.3f}-{:.3f} eV"), fit.points,
      fmt_value(fit.min_temperature_c, "°C"), fmt_value(fit.max_temperature_c, "°C"), escape(group->basis_text),
      std::isnan(fit.rms_residual_ln) ? std::string("none: two points") : fmt::format("{:.3g}", fit.rms_residual_ln),
      fmt_value(stress_c, "°C"), fmt_value(use_c, "°C"), af ? af->af : NAN,
      af ? interval_text(af->lo, af->hi, "{:.2f}-{:.2f}") : std::string("no interval"));
  auto at_use = analysis::alpha_at_temperature(fit, use_c);
  if (at_use) {
    html += fmt::format("<p>At {}: alpha = {:.3g} /h, {:.3g} %/1000h, L70 = {} h, L90 = {} h{}.</p>", fmt_value(use_c, "°C"),
                        at_use->alpha_per_h, analysis::decay_percent_per_1000h(at_use->alpha_per_h),
                        fmt_value(analysis::lifetime_lp_h(b, at_use->alpha_per_h, 70), ""),
                        fmt_value(analysis::lifetime_lp_h(b, at_use->alpha_per_h, 90), ""),
                        at_use->extrapolated ? " — <b>extrapolated</b> outside the tested temperatures (not TM-21 compliant)" : "");
  }
  return html;
}

// "Array L70: > 6000 h (capped at ...); 95 % interval ...": an array lifetime with its qualifier
// and its interval. The interval comes from the decay rate's and is uncapped, so it can reach
// past the cap (and has no upper end when the slower bound of the rate does not decay).
std::string lifetime_text(const RunResult& r) {
  const auto hours = [](double h) { return std::isfinite(h) ? fmt::format("{:.0f} h", h) : std::string("no end"); };
  const std::string what = r.record.name == "l70_h" ? "L70" : r.record.name == "l90_h" ? "L90" : r.record.name;
  std::string text = fmt::format("<p>Array {}: <b>{}</b>", escape(what), escape(db::qualified(r.record.qualifier, hours(r.record.value))));
  if (r.record.qualifier == db::Qualifier::at_least) {
    const auto raw = r.extra.find("raw_h");
    text += fmt::format(" (capped at the TM-21 limit{})",
                        raw != r.extra.end() && raw->is_number() ? "; the fit alone projects " + hours(raw->get<double>())
                                                                 : std::string{});
  }
  const auto lo = r.extra.find("lo_h"), hi = r.extra.find("hi_h");
  if (lo != r.extra.end() && lo->is_number()) {
    const double confidence = r.extra.value("interval", nlohmann::json::object()).value("confidence", 0.95);
    const double hi_h = hi != r.extra.end() && hi->is_number() ? hi->get<double>() : INFINITY;
    text += fmt::format("; {:g} % interval {} (uncapped, from the decay rate's interval)", 100 * confidence,
                        std::isfinite(hi_h) ? hours(lo->get<double>()) + " to " + hours(hi_h)
                                            : "at least " + hours(lo->get<double>()));
  } else {
    text += "; no interval (fewer than two fitted units)";
  }
  return text + ".</p>\n";
}

}  // namespace

std::string burn_in_section(const RunData& run, db::Reader& reader) {
  if (!run.has("lane_failed")) return {};
  std::string html = "<h2>Burn-in: power decay</h2>\n";
  // Three kinds of lane drawn apart: dead from the start, catastrophic (a sudden drop: left out
  // of the TM-21 average as LM-80 leaves out units that stop working) and parametric failures
  // (beyond the failure limit: they stay in the average). Runs without the flags: every failure
  // was catastrophic.
  const auto n = static_cast<std::size_t>(std::max(run.lanes, 0));
  std::vector<bool> failed(n, false), dead(n, false), apart(n, false);
  double failure_limit = 0.10;
  for (const auto* r : run.lane_results("lane_failed")) {
    const int lane = *r->record.lane;
    if (lane < 1 || lane > run.lanes) continue;
    const auto i = static_cast<std::size_t>(lane - 1);
    if (r->dead()) {
      dead[i] = true;
      continue;
    }
    const bool any = r->record.value > 0;
    apart[i] = r->extra.value("catastrophic", !r->extra.contains("parametric") && any);
    failed[i] = any && !apart[i];
    failure_limit = r->extra.value("failure_limit", failure_limit);
  }
  const auto array = run.array_results("decay_rate_pct_per_kh");
  const RunResult* fit = array.empty() ? nullptr : array.front();

  PlotSpec plot{.title = "optical power, normalised to the first reading", .x_label = "stress time (h)",
                .y_label = "P / P0"};
  // One bucket per horizontal pixel of the plot: a six-week run reads as fast as a short one.
  auto loaded = load_decay(run, reader, dead, apart, static_cast<std::size_t>(plot.width));
  if (!loaded) return html + "<p>Power decay: " + escape(loaded.error().describe()) + "</p>\n";
  const DecayCurves& decay = *loaded;
  PlotSeries mean{.name = "mean of the units (live, no catastrophic failure)", .x = decay.t_h, .y = decay.mean, .color = "#1f77b4", .width = 2.0};
  plot.series.push_back(mean);
  for (const auto& lane : decay.failed)
    plot.series.push_back({.name = fmt::format("lane {} (catastrophic)", lane.lane), .x = decay.t_h, .y = lane.ratio, .width = 1.0});
  plot.limits.push_back({1.0 - failure_limit, fmt::format("-{:g} %: failure", 100 * failure_limit)});
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
    for (const char* name : {"l70_h", "l90_h"})
      for (const auto* r : run.array_results(name)) html += lifetime_text(*r);
    std::vector<std::vector<std::string>> rows;
    for (const char* name : {"decay_rate_pct_per_kh", "decay_rate_median_pct_per_kh", "l70_h", "l90_h", "failed_lanes",
                             "catastrophic_lanes", "dead_lanes"}) {
      for (const auto* r : run.array_results(name))
        rows.push_back({name, escape(fmt_result(*r)), escape(r->extra.dump())});
    }
    html += html_table({"result", "value", "details"}, rows);
    if (fit->extra.contains("alpha_lo_per_h") && fit->extra.contains("alpha_hi_per_h"))
    {
      const auto& interval = fit->extra.value("interval", nlohmann::json::object());
      html += fmt::format("<p>Array decay rate {:.3g} /h, {:g} % interval {:.3g}-{:.3g} /h (Student t over the "
                          "lane-to-lane spread of the units' decay rates).</p>\n",
                          alpha, 100 * interval.value("confidence", 0.95), fit->extra.value("alpha_lo_per_h", NAN),
                          fit->extra.value("alpha_hi_per_h", NAN));
    }
    html += arrhenius(run, reader, *fit);
  }

  // Per lane decay rates: catastrophic lanes' fits run across their drop, so they are not decay
  // rates and are left blank (their dot says why); the worst lane is the fastest of the others.
  auto rates = run.lane_values("decay_rate_pct_per_kh");
  const RunResult* fastest = nullptr;
  std::size_t unresolved = 0, units = 0;
  for (const auto* r : run.lane_results("decay_rate_pct_per_kh")) {
    const int lane = *r->record.lane;
    if (lane < 1 || lane > run.lanes) continue;
    const auto i = static_cast<std::size_t>(lane - 1);
    if (r->dead() || dead[i] || apart[i] || r->extra.value("catastrophic", false)) {
      rates[i] = NAN;
      continue;
    }
    ++units;
    unresolved += !r->extra.value("resolved", true);
    if (!fastest || r->record.value > fastest->record.value) fastest = r;
  }
  if (unresolved > 0)
    html += fmt::format("<p>{} of {} fitted lanes without a catastrophic failure have a decay rate within two standard "
                        "errors of zero (not resolved by this test: longer or less noisy readings are needed to tell "
                        "it).</p>\n",
                        unresolved, units);
  MarkedLane marked;
  if (fastest) {
    const auto limit = fastest->record.upper_limit;
    const db::Verdict verdict = db::verdict_of(fastest->record);
    const auto& lane_fit = fastest->extra.value("fit", nlohmann::json::object());
    const auto se = lane_fit.find("alpha_se_per_h");
    html += fmt::format(
        "<p>Fastest-decaying lane without a catastrophic failure: <b>{}</b>, {}{}{}{}.</p>\n",
        escape(lane_position(run, *fastest->record.lane)), escape(fmt_result(*fastest)),
        se != lane_fit.end() && se->is_number() ? fmt::format(" (alpha {:.3g} ± {:.2g} /h, one standard error)",
                                                              lane_fit.value("alpha_per_h", NAN), se->get<double>())
                                                : std::string{},
        fastest->extra.value("resolved", true) ? "" : ", not resolved",
        limit ? fmt::format(", limit {}: <b class={}>{}</b>", escape(fmt_value(*limit, "%/1000h")),
                            verdict == db::Verdict::fail ? "fail" : "pass", verdict == db::Verdict::fail ? "fail" : "pass")
              : std::string{});
    marked = {*fastest->record.lane, "fastest decay without a catastrophic failure, " + fmt_result(*fastest), limit};
  }
  const auto count = [](const std::vector<bool>& v) { return std::ranges::count(v, true); };
  html += fmt::format("<p>{} lanes failed (power beyond {:g} % of the first reading, confirmed; they stay in the array "
                      "average), {} failed catastrophically (left out of it), {} dead from the start.</p>\n",
                      count(failed), 100 * failure_limit, count(apart), count(dead));
  html += lane_map(run, "decay rate per lane (%/1000 h)", rates, " %/kh", false, failed, TickStyle::si, marked,
                   {.flagged_meaning = "failed (beyond the failure limit)", .catastrophic = apart, .dead = dead});
  return html;
}

}  // namespace ledlab::report
