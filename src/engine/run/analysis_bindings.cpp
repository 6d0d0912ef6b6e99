#include "engine/run/analysis_bindings.hpp"

#include "analysis/array_statistics.hpp"
#include "analysis/arrhenius.hpp"
#include "analysis/ber_confidence.hpp"
#include "analysis/burn_in.hpp"
#include "analysis/burn_in_accumulator.hpp"
#include "analysis/decay_fit.hpp"
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
#include <initializer_list>
#include <limits>
#include <string_view>
#include <utility>

namespace ledlab::engine {

using nlohmann::json;
namespace an = ledlab::analysis;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A call's arguments: one argument arrives as itself, several as an array (sequence_runner.hpp).
class Args {
 public:
  Args(std::string fn, const json& args, std::size_t min_count, std::size_t max_count) : fn_(std::move(fn)) {
    if (max_count == 1) {
      list_.push_back(&args);
    } else if (args.is_array() && !args.empty() && (args.size() > 1 || min_count <= 1)) {
      for (const auto& a : args) list_.push_back(&a);
    } else if (!args.is_null()) {
      list_.push_back(&args);
    }
    if (list_.size() < min_count || list_.size() > max_count)
      error_ = fmt::format("{}: expected {} argument(s), got {}", fn_,
                           min_count == max_count ? fmt::format("{}", min_count) : fmt::format("{} to {}", min_count, max_count),
                           list_.size());
  }

  const std::string& error() const { return error_; }
  bool has(std::size_t n) const { return n < list_.size() && !list_[n]->is_null(); }
  const json& at(std::size_t n) const { return *list_.at(n); }

  Result<double> number(std::size_t n, std::string_view what) const {
    if (!has(n) || !at(n).is_number()) return fail(Errc::invalid_argument, where(n, what, "expected a number"));
    return at(n).get<double>();
  }
  // A list of numbers; false / null / NaN entries become NaN (a lane without a value).
  Result<std::vector<double>> numbers(std::size_t n, std::string_view what) const {
    if (!has(n) || !at(n).is_array()) return fail(Errc::invalid_argument, where(n, what, "expected a list of numbers"));
    return to_numbers(at(n), n, what);
  }
  // A list of lists of numbers, all the same length.
  Result<std::vector<std::vector<double>>> matrix(std::size_t n, std::string_view what) const {
    if (!has(n) || !at(n).is_array()) return fail(Errc::invalid_argument, where(n, what, "expected a list of lists"));
    std::vector<std::vector<double>> out;
    for (const auto& row : at(n)) {
      if (!row.is_array())
        return fail(Errc::invalid_argument, where(n, what, fmt::format("entry {} is not a list", out.size() + 1)));
      auto r = to_numbers(row, n, what);
      if (!r) return fail(r.error());
      if (!out.empty() && r->size() != out.front().size())
        return fail(Errc::invalid_argument, where(n, what, fmt::format("entry {} has {} values, the first has {}",
                                                                       out.size() + 1, r->size(), out.front().size())));
      out.push_back(std::move(*r));
    }
    return out;
  }
  const json& options(std::size_t n) const {
    static const json empty = json::object();
    return has(n) && at(n).is_object() ? at(n) : empty;
  }
  std::unexpected<Error> wrap(const Error& e) const { return fail(e.code, fmt::format("{}: {}", fn_, e.message)); }

 private:
  std::string where(std::size_t n, std::string_view what, std::string_view msg) const {
    return fmt::format("{}: argument {} ({}): {}", fn_, n + 1, what, msg);
  }
  Result<std::vector<double>> to_numbers(const json& list, std::size_t n, std::string_view what) const {
    std::vector<double> out;
    out.reserve(list.size());
    for (const auto& v : list) {
      if (v.is_number()) out.push_back(v.get<double>());
      else if (v.is_null() || v == false) out.push_back(kNaN);
      else return fail(Errc::invalid_argument, where(n, what, fmt::format("entry {} is not a number", out.size() + 1)));
    }
    return out;
  }

  std::string fn_;
  std::vector<const json*> list_;
  std::string error_;
};

// An option of an options table: absent gives the fallback; present, it must be a finite number.
Result<double> option_number(const json& options, const char* key, double fallback) {
  if (!options.contains(key)) return fallback;
  const json& v = options[key];
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    return fail(Errc::invalid_argument, fmt::format("option {}= must be a finite number", key));
  return v.get<double>();
}

// Registers `analysis.<name>`; the body gets checked Args.
template <class Body>
void add(lua::SequenceRunner& runner, const std::string& name, std::size_t min_count, std::size_t max_count, Body body) {
  runner.add_function("analysis." + name, [name, min_count, max_count, body](json raw) -> Result<json> {
    Args args("analysis." + name, raw, min_count, max_count);
    if (!args.error().empty()) return fail(Errc::invalid_argument, args.error());
    return body(args);
  });
}

// Counts from Lua arrive as doubles (3e12 bits): whole and non-negative, or an error.
Result<std::uint64_t> count_of(double v, std::string_view what) {
  if (!(v >= 0.0) || v != std::floor(v) || v > 1.8e19)
    return fail(Errc::invalid_argument, fmt::format("{} must be a whole number >= 0, not {}", what, v));
  return static_cast<std::uint64_t>(v);
}

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

json projection_json(const an::Tm21Projection& p) {
  json notes = json::array();
  for (const auto& n : p.notes) notes.push_back(n);
  return json{{"alpha_per_h", p.alpha_per_h},
              {"b", p.b},
              {"decay_pct_per_kh", p.decay_percent_per_1000h},
              {"raw_h", p.lp_raw_h},
              {"reported_h", p.lp_reported_h ? *p.lp_reported_h : kNaN},
              {"capped", p.capped},
              {"compliant", p.compliant},
              {"fit_points", p.fit_points},
              {"notes", notes}};
}

// The burn-in options of a Lua table (analysis.burn_in's third argument, the accumulator's
// table): every key a number of the right kind, none unknown (`also` lists keys the caller reads).
Status burn_in_options(const json& o, an::BurnInOptions& opt, std::initializer_list<std::string_view> also = {}) {
  if (o.is_null()) return {};
  if (!o.is_object()) return fail(Errc::invalid_argument, "burn-in options must be a table");
  static constexpr const char* kKeys =
      "failure_limit, dead_below_w, confirm_readings, sudden_drop_fraction, sudden_drop_sigmas, confidence";
  for (const auto& [key, value] : o.items()) {
    if (std::find(also.begin(), also.end(), key) != also.end()) continue;
    double* target = key == "failure_limit"          ? &opt.failure_limit
                     : key == "dead_below_w"         ? &opt.dead_below_w
                     : key == "sudden_drop_fraction" ? &opt.sudden_drop_fraction
                     : key == "sudden_drop_sigmas"   ? &opt.sudden_drop_sigmas
                     : key == "confidence"           ? &opt.confidence
                                                     : nullptr;
    if (key == "confirm_readings") {
      if (!value.is_number_integer() || value.get<long long>() < 1)
        return fail(Errc::invalid_argument, fmt::format("confirm_readings= must be a whole number >= 1, got {}", value.dump()));
      opt.confirm_readings = value.get<std::size_t>();
      continue;
    }
    if (!target) {
      std::string known = kKeys;
      for (auto k : also) known += fmt::format(", {}", k);
      return fail(Errc::invalid_argument, fmt::format("unknown option '{}' ({})", key, known));
    }
    if (!value.is_number()) return fail(Errc::invalid_argument, fmt::format("{}= must be a number", key));
    *target = value.get<double>();
  }
  return {};
}

json burn_in_json(const an::BurnInAnalysis& a) {
  json lanes = json::array();
  for (const auto& l : a.lanes) {
    if (l.dead) {
      lanes.push_back(json{{"dead", true}, {"note", l.note}});
      continue;
    }
    lanes.push_back(json{{"dead", false},
                         {"catastrophic", l.catastrophic},
                         {"catastrophic_at_h", l.catastrophic ? l.catastrophic_at_h : kNaN},
                         {"catastrophic_of_level", l.catastrophic ? l.catastrophic_of_level : kNaN},
                         {"failed", l.failed},
                         {"failed_at_h", l.failed ? l.failed_at_h : kNaN},
                         {"change", l.change},
                         {"fitted", l.fitted},
                         {"note", l.note},
                         {"b", l.b},
                         {"alpha_per_h", l.alpha_per_h},
                         {"alpha_se_per_h", l.alpha_se_per_h},
                         {"resolved", l.resolved},
                         {"decay_pct_per_kh", l.decay_percent_per_1000h},
                         {"residual_ln", l.rms_residual_ln},
                         {"points", l.fit_points},
                         {"l70_raw_h", l.l70_raw_h},
                         {"l90_raw_h", l.l90_raw_h},
                         {"l70_h", l.l70_h ? *l.l70_h : kNaN},
                         {"l90_h", l.l90_h ? *l.l90_h : kNaN},
                         {"l70_capped", l.l70_capped},
                         {"l90_capped", l.l90_capped}});
  }
  json out{{"duration_h", a.duration_h},
           {"window", {{"start_h", a.window.start_h}, {"end_h", a.duration_h}, {"tm21", a.window.test_long_enough}}},
           {"units", a.units},
           {"catastrophic", a.catastrophic},
           {"cap_factor", a.cap_factor ? *a.cap_factor : kNaN},
           {"cap_h", a.cap_h},
           {"lanes", lanes},
           {"note", a.array_note}};
  if (a.array_l70 && a.array_l90) out["array"] = {{"l70", projection_json(*a.array_l70)}, {"l90", projection_json(*a.array_l90)}};
  if (a.array_interval) {
    const auto& ci = *a.array_interval;
    out["array"]["interval"] = {{"confidence", ci.confidence},         {"lanes", ci.lanes},
                                {"alpha_sd_per_h", ci.alpha_sd_per_h}, {"alpha_lo_per_h", ci.alpha_lo_per_h},
                                {"alpha_hi_per_h", ci.alpha_hi_per_h}, {"l70_lo_h", ci.l70_lo_h},
                                {"l70_hi_h", ci.l70_hi_h},             {"l90_lo_h", ci.l90_lo_h},
                                {"l90_hi_h", ci.l90_hi_h}};
  }
  return out;
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

void bind_reliability(lua::SequenceRunner& runner) {
  add(runner, "decay_fit", 2, 2, [](const Args& a) -> Result<json> {
    auto t = a.numbers(0, "t_h");
    if (!t) return fail(t.error());
    auto p = a.numbers(1, "p");
    if (!p) return fail(p.error());
    auto fit = an::fit_exponential_decay(*t, *p);
    if (!fit) return a.wrap(fit.error());
    return json{{"b", fit->b},
                {"alpha_per_h", fit->alpha_per_h},
                {"decay_pct_per_kh", an::decay_percent_per_1000h(fit->alpha_per_h)},
                {"residual_ln", fit->rms_residual_ln},
                {"points", fit->points},
                {"alpha_se_per_h", fit->alpha_se_per_h},
                {"resolved", an::decay_resolved(*fit)}};
  });
  add(runner, "lifetime", 3, 3, [](const Args& a) -> Result<json> {
    auto b = a.number(0, "b");
    if (!b) return fail(b.error());
    auto alpha = a.number(1, "alpha_per_h");
    if (!alpha) return fail(alpha.error());
    auto p = a.number(2, "p_percent");
    if (!p) return fail(p.error());
    return an::lifetime_lp_h(*b, *alpha, *p);
  });
  add(runner, "burn_in", 2, 3, [](const Args& a) -> Result<json> {
    auto t = a.numbers(0, "t_h");
    if (!t) return fail(t.error());
    auto readings = a.matrix(1, "readings");
    if (!readings) return fail(readings.error());
    an::BurnInOptions opt;
    if (auto ok = burn_in_options(a.options(2), opt); !ok) return fail(ok.error());
    auto r = an::analyse_burn_in(*t, *readings, opt);
    if (!r) return a.wrap(r.error());
    return burn_in_json(*r);
  });
  add(runner, "acceleration_factor", 3, 3, [](const Args& a) -> Result<json> {
    auto ea = a.number(0, "ea_ev");
    if (!ea) return fail(ea.error());
    auto use = a.number(1, "use_c");
    if (!use) return fail(use.error());
    auto stress = a.number(2, "stress_c");
    if (!stress) return fail(stress.error());
    auto af = an::acceleration_factor(*ea, *use, *stress);
    if (!af) return a.wrap(af.error());
    return *af;
  });
}

// analysis.burn_in_accumulator{duration_h=, failure_limit=, dead_below_w=, guard_h=}: a burn-in
// analysed one reading at a time in bounded memory (analysis/burn_in_accumulator.hpp).
class BurnInAccumulatorObject : public lua::HostObject {
 public:
  explicit BurnInAccumulatorObject(an::BurnInAccumulator acc) : acc_(std::move(acc)) {}

  static Result<std::unique_ptr<lua::HostObject>> make(const json& o) {
    if (!o.is_object()) return fail(Errc::invalid_argument, "expected a table {duration_h = ..., failure_limit = ..., dead_below_w = ...}");
    const auto number = [&](const char* key, double fallback) -> Result<double> {
      if (!o.contains(key)) return fallback;
      if (!o[key].is_number()) return fail(Errc::invalid_argument, fmt::format("{}= must be a number", key));
      return o[key].get<double>();
    };
    if (!o.contains("duration_h"))
      return fail(Errc::invalid_argument, "duration_h= is missing: the planned duration chooses the fit window");
    an::BurnInPlan plan;
    an::BurnInOptions opt;
    for (auto [key, target] : {std::pair{"duration_h", &plan.duration_h}, std::pair{"guard_h", &plan.guard_h}}) {
      auto v = number(key, *target);
      if (!v) return fail(v.error());
      *target = *v;
    }
    if (auto ok = burn_in_options(o, opt, {"duration_h", "guard_h"}); !ok) return fail(ok.error());
    auto acc = an::BurnInAccumulator::create(plan, opt);
    if (!acc) return fail(acc.error());
    return std::unique_ptr<lua::HostObject>(new BurnInAccumulatorObject(std::move(*acc)));
  }

  Result<json> call(std::string_view method, const json& args) override {
    if (method == "add") return add(args);
    if (!args.empty()) return fail(Errc::invalid_argument, "takes no arguments");
    if (method == "readings") return acc_.readings();
    if (method == "replay_needed") {
      auto why = acc_.replay_needed();
      return why ? json(*why) : json();
    }
    if (method == "replay") {
      if (auto st = acc_.begin_replay(); !st) return fail(st.error());
      return json();
    }
    if (method != "result") return fail(Errc::invalid_argument, "no such method");
    auto r = acc_.result();
    if (!r) return fail(r.error());
    return burn_in_json(*r);
  }

 private:
  // add(t_h, powers) -> the failures confirmed at this reading: {{lane =, of_first =, catastrophic =, at_h =}, ...}
  Result<json> add(const json& args) {
    if (args.size() != 2 || !args[0].is_number() || !args[1].is_array())
      return fail(Errc::invalid_argument, "expected (t_h, {power of every lane, W})");
    powers_.clear();
    for (const auto& v : args[1]) {
      if (v.is_number()) powers_.push_back(v.get<double>());
      else if (v.is_null() || v == false) powers_.push_back(kNaN);
      else return fail(Errc::invalid_argument, fmt::format("lane {}: {} is not a number", powers_.size() + 1, v.dump()));
    }
    auto failed = acc_.add(args[0].get<double>(), powers_);
    if (!failed) return fail(failed.error());
    json out = json::array();
    for (const auto& f : *failed)
      out.push_back(json{{"lane", f.lane + 1}, {"of_first", f.of_first}, {"catastrophic", f.catastrophic}, {"at_h", f.at_h}});
    return out;
  }

  an::BurnInAccumulator acc_;
  std::vector<double> powers_;  // reused from one reading to the next
};

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
  runner.add_object("analysis.burn_in_accumulator", "burn_in_accumulator",
                    {"add", "readings", "replay_needed", "replay", "result"}, BurnInAccumulatorObject::make);
}

}  // namespace ledlab::engine
