// The reliability functions of `analysis.*` (analysis_bindings.hpp): decay fits, lifetimes,
// burn-ins analysed whole or one reading at a time, acceleration factors.
#include "engine/run/script_args.hpp"

#include "analysis/arrhenius.hpp"
#include "analysis/burn_in.hpp"
#include "analysis/burn_in_accumulator.hpp"
#include "analysis/decay_fit.hpp"
#include "analysis/tm21.hpp"

#include <algorithm>
#include <initializer_list>

namespace ledlab::engine::script_args {

namespace an = ledlab::analysis;

namespace {

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

}  // namespace

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
  runner.add_object("analysis.burn_in_accumulator", "burn_in_accumulator",
                    {"add", "readings", "replay_needed", "replay", "result"}, BurnInAccumulatorObject::make);
}

}  // namespace ledlab::engine::script_args
