#include "engine/run/analysis_bindings.hpp"
#include "engine/run/script_args.hpp"

#include "analysis/array_statistics.hpp"
#include "analysis/ber_confidence.hpp"
#include "analysis/energy_per_bit.hpp"
#include "analysis/f3db_estimate.hpp"
#include "analysis/liv.hpp"
#include "analysis/frequency_response.hpp"
#include "analysis/pole_fit.hpp"
#include "analysis/q_factor.hpp"
#include "analysis/repeatability.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

namespace ledlab::engine {

using nlohmann::json;
namespace an = ledlab::analysis;
using namespace script_args;

namespace {

Result<json> ber_bounds_one(double errors, double bits, double cl) {
  auto k = count_of(errors, "errors");
  if (!k) return fail(k.error());
  auto n = count_of(bits, "bits");
  if (!n) return fail(n.error());
  auto e = an::estimate_ber(*k, *n, cl);
  if (!e) return fail(e.error());
  return json{{"ber", e->ber}, {"lower", e->ber_lower}, {"upper", e->ber_upper}};
}

an::PoleFitOptions pole_options(const json& o) {
  an::PoleFitOptions opt;
  const std::string model = o.value("model", "free_rc");
  opt.model = model == "single" ? an::PoleModel::single_pole
              : model == "known_rc" ? an::PoleModel::single_pole_known_rc
                                    : an::PoleModel::single_pole_free_rc;
  opt.known_rc_s = o.value("rc_s", 0.0);
  opt.floor_db = o.value("floor_db", opt.floor_db);
  opt.plateau_points = o.value("plateau_points", opt.plateau_points);
  return opt;
}

Result<an::PoleModel> check_model(const json& o, const Args& args) {
  const std::string model = o.value("model", "free_rc");
  if (model != "single" && model != "known_rc" && model != "free_rc")
    return args.wrap(make_error(Errc::invalid_argument, fmt::format("model '{}': use single, known_rc or free_rc", model)));
  return pole_options(o).model;
}

json pole_json(const an::PoleFit& f) {
  return json{{"tau_s", f.tau_s},           {"rc_s", f.rc_s},          {"f3db_hz", f.f3db_hz}, {"gain_db", f.gain_db},
              {"residual_db", f.rms_residual_db}, {"points", f.points_used}};
}

an::F3dbOptions f3db_options(const json& o) {
  an::F3dbOptions opt;
  opt.plateau_points = o.value("plateau_points", opt.plateau_points);
  if (o.value("convention", "electrical") == "optical") opt.convention = an::Bandwidth3dB::optical;
  return opt;
}

// An f3dB estimate as scripts see it: f3dB from the pole fit with the plateau level fitted
// (primary), the crossing interpolated against that level, whether the sweep resolves it, or why not.
json estimate_json(const an::F3dbEstimate& e) {
  json lane = json::object();
  lane["f3db_hz"] = e.f3db_hz;
  lane["method"] = e.from_fit ? "two-pole fit (tau, RC, plateau level)" : "interpolation against the first points";
  if (e.interpolated_hz) lane["interp_f3db_hz"] = *e.interpolated_hz;
  if (e.fit) {
    lane["fit_f3db_hz"] = e.fit->f3db_hz;
    lane["tau_s"] = e.fit->tau_s;
    lane["rc_s"] = e.fit->rc_s;
    lane["gain_db"] = e.fit->gain_db;
    lane["residual_db"] = e.fit->rms_residual_db;
    lane["points"] = e.fit->points_used;
  }
  lane["resolved"] = e.resolved;
  if (!e.warning.empty()) lane["note"] = e.warning;
  lane["ok"] = e.resolved;
  return lane;
}

an::F3dbEstimateOptions estimate_options(const json& o) {
  an::F3dbEstimateOptions options;
  options.fit = pole_options(o);
  options.fit.convention = f3db_options(o).convention;
  return options;
}

// One lane of a sweep (bandwidth_lanes): a lane with no estimate at all is unresolved with the reason.
json bandwidth_lane(std::span<const double> freqs, std::span<const double> curve, const json& o) {
  auto e = an::estimate_f3db(freqs, curve, estimate_options(o));
  if (!e) return json{{"note", e.error().message}, {"resolved", false}, {"ok", false}};
  return estimate_json(*e);
}

json summary_json(const an::ArraySummary& s) {
  return json{{"count", s.count}, {"finite", s.finite}, {"min", s.min},       {"max", s.max},
              {"mean", s.mean},   {"median", s.median}, {"p5", s.p5},         {"p95", s.p95},
              {"iqr", s.iqr},     {"mad", s.mad}};
}

void bind_bandwidth(lua::SequenceRunner& runner) {
  add(runner, "f3db", 2, 3, [](const Args& a) -> Result<json> {
    auto f = a.numbers(0, "freqs");
    if (!f) return fail(f.error());
    auto r = a.numbers(1, "response");
    if (!r) return fail(r.error());
    const json& o = a.options(2);
    if (auto m = check_model(o, a); !m) return fail(m.error());
    // The unbiased estimate (analysis/f3db_estimate.hpp): interpolating against the mean of the
    // first points reads f3dB high when the sweep starts near it, so that figure is only kept
    // beside it, as interpolated_hz.
    auto e = an::estimate_f3db(*f, *r, estimate_options(o));
    if (!e) return a.wrap(e.error());
    json out = estimate_json(*e);
    if (auto plain = an::f3db_from_curve(*f, *r, f3db_options(o))) {
      out["interpolated_hz"] = plain->f3db_hz;
      out["plateau"] = plain->plateau;
      out["crossing_index"] = plain->crossing_index + 1;
    }
    return out;
  });
  add(runner, "pole_fit", 2, 3, [](const Args& a) -> Result<json> {
    auto f = a.numbers(0, "freqs");
    if (!f) return fail(f.error());
    auto r = a.numbers(1, "response");
    if (!r) return fail(r.error());
    if (auto m = check_model(a.options(2), a); !m) return fail(m.error());
    auto fit = an::fit_pole_response(*f, *r, pole_options(a.options(2)));
    if (!fit) return a.wrap(fit.error());
    return pole_json(*fit);
  });
  // repeatability({reading1, reading2, ...}, floor): back-to-back readings of every lane; lanes
  // whose first reading is at or below floor are dark and left out.
  add(runner, "repeatability", 2, 2, [](const Args& a) -> Result<json> {
    auto m = a.matrix(0, "readings");
    if (!m) return fail(m.error());
    auto floor = a.number(1, "floor");
    if (!floor) return fail(floor.error());
    auto r = an::repeatability(*m, *floor);
    if (!r) return a.wrap(r.error());
    return json{{"median_change", r->median_change}, {"relative_sigma", r->relative_sigma}, {"pairs", r->pairs}};
  });
  add(runner, "bandwidth_lanes", 2, 3, [](const Args& a) -> Result<json> {
    auto f = a.numbers(0, "freqs");
    if (!f) return fail(f.error());
    auto m = a.matrix(1, "amplitudes per frequency");
    if (!m) return fail(m.error());
    if (m->size() != f->size())
      return a.wrap(make_error(Errc::invalid_argument, fmt::format("{} amplitude readings for {} frequencies", m->size(), f->size())));
    const json& o = a.options(2);
    if (auto model = check_model(o, a); !model) return fail(model.error());
    const std::size_t lanes = m->empty() ? 0 : m->front().size();
    const std::size_t plateau_points = std::min<std::size_t>(o.value("plateau_points", std::size_t{3}), f->size());
    std::vector<std::vector<double>> curves(lanes, std::vector<double>(f->size()));
    std::vector<double> plateau(lanes, 0.0);
    for (std::size_t k = 0; k < f->size(); ++k)
      for (std::size_t i = 0; i < lanes; ++i) curves[i][k] = (*m)[k][i];
    for (std::size_t i = 0; i < lanes; ++i) {
      for (std::size_t k = 0; k < plateau_points; ++k) plateau[i] += curves[i][k] / static_cast<double>(plateau_points);
    }
    const double floor = o.value("dead_fraction", 0.05) * an::median(plateau);
    json out = json::array();
    for (std::size_t i = 0; i < lanes; ++i) {
      if (!(plateau[i] > floor)) out.push_back(json{{"dead", true}, {"ok", false}, {"plateau", plateau[i]}});
      else out.push_back(bandwidth_lane(*f, curves[i], o));
    }
    return out;
  });
}

void bind_ber(lua::SequenceRunner& runner) {
  add(runner, "ber_bounds", 3, 3, [](const Args& a) -> Result<json> {
    auto cl = a.number(2, "confidence");
    if (!cl) return fail(cl.error());
    if (a.at(0).is_number()) {
      auto e = a.number(0, "errors");
      if (!e) return fail(e.error());
      auto n = a.number(1, "bits");
      if (!n) return fail(n.error());
      auto r = ber_bounds_one(*e, *n, *cl);
      if (!r) return a.wrap(r.error());
      return r;
    }
    auto e = a.numbers(0, "errors");
    if (!e) return fail(e.error());
    auto n = a.numbers(1, "bits");
    if (!n) return fail(n.error());
    if (e->size() != n->size())
      return a.wrap(make_error(Errc::invalid_argument, fmt::format("{} error counts for {} bit counts", e->size(), n->size())));
    json ber = json::array(), lower = json::array(), upper = json::array();
    for (std::size_t i = 0; i < e->size(); ++i) {
      auto r = ber_bounds_one((*e)[i], (*n)[i], *cl);
      if (!r) return a.wrap(make_error(Errc::invalid_argument, fmt::format("lane {}: {}", i + 1, r.error().message)));
      ber.push_back((*r)["ber"]);
      lower.push_back((*r)["lower"]);
      upper.push_back((*r)["upper"]);
    }
    return json{{"ber", ber}, {"lower", lower}, {"upper", upper}};
  });
  add(runner, "bits_for", 2, 3, [](const Args& a) -> Result<json> {
    auto target = a.number(0, "target_ber");
    if (!target) return fail(target.error());
    auto cl = a.number(1, "confidence");
    if (!cl) return fail(cl.error());
    std::uint64_t allowed = 0;
    if (a.has(2)) {
      auto k = a.number(2, "allowed_errors");
      if (!k) return fail(k.error());
      auto c = count_of(*k, "allowed_errors");
      if (!c) return a.wrap(c.error());
      allowed = *c;
    }
    auto bits = an::bits_to_claim_ber(*target, *cl, allowed);
    if (!bits) return a.wrap(bits.error());
    return std::ceil(*bits);
  });
  add(runner, "q_from_ber", 1, 1, [](const Args& a) -> Result<json> {
    auto b = a.number(0, "ber");
    if (!b) return fail(b.error());
    auto q = an::q_from_ber(*b);
    if (!q) return a.wrap(q.error());
    return *q;
  });
  add(runner, "ber_from_q", 1, 1, [](const Args& a) -> Result<json> {
    auto q = a.number(0, "q");
    if (!q) return fail(q.error());
    return an::ber_from_q(*q);
  });
}

void bind_statistics(lua::SequenceRunner& runner) {
  add(runner, "summary", 1, 1, [](const Args& a) -> Result<json> {
    auto v = a.numbers(0, "values");
    if (!v) return fail(v.error());
    return summary_json(an::summarise(*v));
  });
  add(runner, "median", 1, 1, [](const Args& a) -> Result<json> {
    auto v = a.numbers(0, "values");
    if (!v) return fail(v.error());
    return an::median(*v);
  });
  add(runner, "iqr", 1, 1, [](const Args& a) -> Result<json> {
    auto v = a.numbers(0, "values");
    if (!v) return fail(v.error());
    return an::interquartile_range(*v);
  });
  add(runner, "energy_per_bit", 3, 4, [](const Args& a) -> Result<json> {
    auto p = a.number(0, "power_w");
    if (!p) return fail(p.error());
    auto rate = a.number(1, "bit_rate_bps");
    if (!rate) return fail(rate.error());
    if (!a.at(2).is_string()) return a.wrap(make_error(Errc::invalid_argument, "argument 3 (scope): expected a string"));
    const std::string scope_name = a.at(2).get<std::string>();
    static constexpr std::pair<std::string_view, an::EnergyScope> scopes[] = {
        {"led_only", an::EnergyScope::led_only},
        {"driver_and_led", an::EnergyScope::driver_and_led},
        {"receiver_only", an::EnergyScope::receiver_only},
        {"whole_link", an::EnergyScope::whole_link}};
    const auto* it = std::ranges::find(scopes, scope_name, &std::pair<std::string_view, an::EnergyScope>::first);
    if (it == std::end(scopes))
      return a.wrap(make_error(Errc::invalid_argument,
                               fmt::format("scope '{}': use led_only, driver_and_led, receiver_only or whole_link", scope_name)));
    const an::EnergyScope scope = it->second;
    const std::string counted = a.has(3) && a.at(3).is_string() ? a.at(3).get<std::string>() : "";
    auto e = an::energy_per_bit(*p, *rate, scope, counted);
    if (!e) return a.wrap(e.error());
    return json{{"pj_per_bit", e->energy_pj_per_bit}, {"scope", an::to_string(scope)}, {"counted", e->counted}};
  });
  // analysis.energy_per_bit_measured(volts, amps, lane_rate_bps, {driver_power_w=, good_lanes=}):
  // V x I of every driven lane from the SMU (energy_per_bit.hpp).
  add(runner, "energy_per_bit_measured", 3, 4, [](const Args& a) -> Result<json> {
    auto v = a.numbers(0, "voltage_v");
    if (!v) return fail(v.error());
    auto i = a.numbers(1, "current_a");
    if (!i) return fail(i.error());
    auto rate = a.number(2, "lane_rate_bps");
    if (!rate) return fail(rate.error());
    const json& o = a.options(3);
    auto driver_w = option_number(o, "driver_power_w", 0.0);
    if (!driver_w) return a.wrap(driver_w.error());
    auto good = option_number(o, "good_lanes", 0.0);
    if (!good) return a.wrap(good.error());
    auto good_count = count_of(*good, "good_lanes");
    if (!good_count) return a.wrap(good_count.error());
    auto m = an::measured_energy_per_bit(*v, *i, *rate, *driver_w, static_cast<std::size_t>(*good_count));
    if (!m) return a.wrap(m.error());
    json out{{"pj_per_bit", m->energy.energy_pj_per_bit}, {"scope", an::to_string(m->energy.scope)},
             {"counted", m->energy.counted}, {"power_w", m->energy.power_w}, {"led_power_w", m->led_power_w},
             {"driver_power_w", m->driver_power_w}, {"driven_lanes", m->driven_lanes}, {"good_lanes", m->good_lanes}};
    if (std::isfinite(m->pj_per_good_bit)) out["pj_per_good_bit"] = m->pj_per_good_bit;
    return out;
  });
  // analysis.liv(currents_a, voltages_v, powers_w, {area_cm2= | diameter_um=, wavelength_nm=}).
  add(runner, "liv", 4, 4, [](const Args& a) -> Result<json> {
    auto i = a.numbers(0, "current_a");
    if (!i) return fail(i.error());
    auto v = a.numbers(1, "voltage_v");
    if (!v) return fail(v.error());
    auto p = a.numbers(2, "power_w");
    if (!p) return fail(p.error());
    const json& o = a.options(3);
    if (o.contains("area_cm2") == o.contains("diameter_um"))
      return a.wrap(make_error(Errc::invalid_argument, "argument 4: give the emitter's area_cm2 or its diameter_um (one of them)"));
    auto size = o.contains("area_cm2") ? option_number(o, "area_cm2", kNaN) : option_number(o, "diameter_um", kNaN);
    if (!size) return a.wrap(size.error());
    auto wavelength = option_number(o, "wavelength_nm", kNaN);
    if (!wavelength) return a.wrap(wavelength.error());
    if (!std::isfinite(*wavelength)) return a.wrap(make_error(Errc::invalid_argument, "argument 4: wavelength_nm is required"));
    const double area = o.contains("area_cm2") ? *size : an::emitter_area_cm2(*size);
    auto r = an::analyse_liv(*i, *v, *p, area, *wavelength);
    if (!r) return a.wrap(r.error());
    return json{{"current_density_a_per_cm2", r->current_density_a_per_cm2}, {"eqe", r->eqe},
                {"wall_plug_efficiency", r->wall_plug_efficiency}, {"peak_eqe", r->peak_eqe},
                {"peak_current_density_a_per_cm2", r->peak_current_density_a_per_cm2},
                {"peak_current_a", r->peak_current_a}, {"peak_index", r->peak_index + 1},
                {"peak_at_edge", r->peak_at_edge}, {"droop_at_max_current", r->droop_at_max_current},
                {"series_resistance_ohm", r->series_resistance_ohm}, {"area_cm2", area}};
  });
}

}  // namespace

void bind_analysis(lua::SequenceRunner& runner) {
  bind_bandwidth(runner);
  bind_ber(runner);
  bind_reliability(runner);
  bind_statistics(runner);
}

}  // namespace ledlab::engine
