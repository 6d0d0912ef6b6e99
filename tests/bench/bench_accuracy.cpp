// The "done means" figures of issue 15 on bench variants drawn from a seed: for each variant
// (seed, array shape, emitter diameter, spreads, ageing rate, activation energy, amplitude and
// meter noise) every figure next to its target, one line per variant per figure, then one
// PASS/FAIL line per figure over all variants. Exit status 1 when any figure misses its target.
//
//   bench_accuracy [--variants N] [--seed S]
//
// The figures come from the same analysis functions and the same generation as the accuracy
// tests: sweeps read through the bench's noisy amplitude readings (support/bandwidth_sweep.hpp),
// error counts from the BERT model (support/ber_coverage.hpp), burn-in readings from the
// bench's array and ageing models (support/bench_ageing.hpp) and V x I read from the SMU twin
// through its driver over loopback (as tests/instruments/test_smu.cpp does).
#include "analysis/arrhenius_runs.hpp"
#include "analysis/burn_in.hpp"
#include "analysis/decay_fit.hpp"
#include "analysis/energy_per_bit.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/diode_model.hpp"
#include "instruments/smu/smu.hpp"
#include "support/bandwidth_sweep.hpp"
#include "support/ber_coverage.hpp"
#include "support/bench_ageing.hpp"
#include "support/sim_station.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace ledlab;
namespace asio = boost::asio;

namespace {

// ---- the variants ----

struct Variant {
  int index = 0;
  sim::BenchConfig config;
  // Burn-in: one stress for the array lifetime, three case temperatures at one current for Ea.
  double stress_dut_c = 85, stress_current_a = 5e-3, target_decay = 0.05;
  std::array<double, 3> arrhenius_dut_c{};
};

double uniform(std::mt19937_64& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
double log_uniform(std::mt19937_64& rng, double lo, double hi) { return std::exp(uniform(rng, std::log(lo), std::log(hi))); }
template <class T, std::size_t N>
T pick(std::mt19937_64& rng, const std::array<T, N>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

// Variant i of `seed`: every parameter drawn from its own stream, so variant i is the same
// whatever --variants says. Shapes take turns so a few variants cover all four.
Variant draw_variant(std::uint64_t seed, int i) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(i)};
  std::mt19937_64 rng(seq);
  constexpr std::array<std::array<int, 2>, 4> kShapes{{{16, 24}, {10, 40}, {12, 12}, {20, 20}}};
  Variant v;
  v.index = i + 1;
  sim::BenchConfig& c = v.config;
  c.seed = rng();
  const auto shape = kShapes[static_cast<std::size_t>((seed + static_cast<std::uint64_t>(i)) % kShapes.size())];
  c.array.rows = shape[0];
  c.array.cols = shape[1];
  c.array.diameter_um = uniform(rng, 5, 20);
  c.array.a_spread_ln = uniform(rng, 0.15, 0.45);
  c.array.b_spread_ln = uniform(rng, 0.03, 0.15);
  c.array.c_spread_ln = uniform(rng, 0.03, 0.15);
  c.array.rc_spread_ln = uniform(rng, 0.05, 0.20);
  c.array.extraction_spread_ln = uniform(rng, 0.05, 0.20);
  c.array.dead_probability = uniform(rng, 0.003, 0.03);
  c.array.array_thermal_resistance_c_per_w = uniform(rng, 1.0, 3.0);
  c.ageing.alpha_ref_per_h = log_uniform(rng, 5e-6, 3e-5);
  c.ageing.alpha_spread_ln = uniform(rng, 0.25, 0.60);
  c.ageing.activation_energy_ev = uniform(rng, 0.45, 0.90);
  c.ageing.early_failure_probability = uniform(rng, 0.01, 0.05);
  c.ageing.early_failure_mean_h = log_uniform(rng, 200, 2000);
  c.bert.amplitude_relative_noise = uniform(rng, 0.005, 0.03);
  c.meter.relative_noise = log_uniform(rng, 3e-4, 3e-3);
  c.diode.series_resistance_ohm = uniform(rng, 60, 150);
  c.diode.series_resistance_spread_ln = uniform(rng, 0.05, 0.40);
  c.diode.saturation_current_spread_ln = uniform(rng, 0.2, 0.8);
  v.stress_dut_c = pick(rng, std::array<double, 4>{65, 85, 105, 125});
  v.stress_current_a = uniform(rng, 3e-3, 8e-3);
  v.target_decay = uniform(rng, 0.02, 0.10);
  const double low = pick(rng, std::array<double, 4>{55, 65, 75, 85});
  v.arrhenius_dut_c = {low, low + 20, low + 40};
  return v;
}

std::string describe(const Variant& v) {
  const auto& c = v.config;
  return fmt::format("seed {} {}x{} d={:.1f} um spreads A {:.2f} B {:.2f} C {:.2f} RC {:.2f} dead {:.1f} % | "
                     "alpha {:.2g}/h spread {:.2f} Ea {:.3f} eV early {:.1f} % | amplitude noise {:.2f} % meter {:.3f} % | "
                     "Rs {:.0f} ohm spread {:.2f} Rth {:.1f} C/W",
                     c.seed, c.array.rows, c.array.cols, c.array.diameter_um, c.array.a_spread_ln, c.array.b_spread_ln,
                     c.array.c_spread_ln, c.array.rc_spread_ln, c.array.dead_probability * 100, c.ageing.alpha_ref_per_h,
                     c.ageing.alpha_spread_ln, c.ageing.activation_energy_ev, c.ageing.early_failure_probability * 100,
                     c.bert.amplitude_relative_noise * 100, c.meter.relative_noise * 100, c.diode.series_resistance_ohm,
                     c.diode.series_resistance_spread_ln, c.array.array_thermal_resistance_c_per_w);
}

// ---- figures: per variant, then the worst over all ----

// The worst value of one figure over the variants, and where it was.
struct Figure {
  std::string name, target;
  bool higher_is_worse = false;  // false: the minimum is the worst (a fraction that must be high)
  double worst = std::nan(""), lowest = std::nan(""), highest = std::nan("");
  std::string worst_at;
  bool pass = true;
  std::vector<std::string> misses;

  void add(double value, bool ok, const std::string& where) {
    const bool worse = std::isnan(worst) || (higher_is_worse ? !(value <= worst) : !(value >= worst));
    if (worse) worst = value, worst_at = where;
    lowest = std::fmin(lowest, value);
    highest = std::fmax(highest, value);
    if (!ok) pass = false, misses.push_back(where);
  }
};

const char* mark(bool ok) { return ok ? "ok" : "MISS"; }
double percent(std::size_t n, std::size_t of) { return of ? 100.0 * static_cast<double>(n) / static_cast<double>(of) : 0.0; }

// f3dB: a full sweep (10 MHz - 6 GHz, 31 points) at four currents, and a sweep at 1 mA starting
// at half the live lanes' median f3dB, averaged per point down to 1 % as bandwidth.lua does.
void f3db_figure(const Variant& v, Figure& fig) {
  sim::Bench bench(v.config, Clock::manual());
  const int averages = test::averages_for(v.config.bert.amplitude_relative_noise);
  const auto full = test::log_sweep(10e6, 6e9, 31);
  struct Case {
    double current_a;
    std::vector<double> freqs;
    std::string label;
  };
  std::vector<Case> cases;
  for (double i : {0.3e-3, 1e-3, 5e-3, 15e-3}) cases.push_back({i, full, fmt::format("{:g} mA", i * 1e3)});
  const double median = test::median_f3db_hz(bench, 1e-3).value();
  cases.push_back({1e-3, test::log_sweep(0.5 * median, 6e9, 31), fmt::format("1 mA from {:.0f} MHz", 0.5 * median / 1e6)});
  std::string line;
  double worst = 101;
  bool all_ok = true;
  for (const auto& c : cases) {
    const auto s = test::sweep(bench, c.current_a, c.freqs, averages).value();
    const auto sc = test::score_f3db(bench, s, c.freqs);
    const double pct = percent(sc.within, sc.live);
    const bool ok = pct >= 95.0;
    all_ok = all_ok && ok;
    worst = std::min(worst, pct);
    line += fmt::format(" | {} {}/{} {:.1f} %{}", c.label, sc.within, sc.live, pct, ok ? "" : " MISS");
    fig.add(pct, ok, fmt::format("variant {} at {}", v.index, c.label));
  }
  fmt::print("f3db     v{:<2} within 3 % ({} readings/point){} | worst {:.1f} %, target >= 95 %: {}\n", v.index, averages,
             line, worst, mark(all_ok));
}

// BER: gates of 1e8 .. 1e12 bits (each three times) at 2 and 3 Gb/s, 5 mA bias and 3 mA
// modulation, with the case at 25 C and at 85 C.
void ber_figure(const Variant& v, Figure& fig) {
  sim::Bench bench(v.config, Clock::manual());
  test::BerCoverage all;
  std::string line;
  for (double t : {25.0, 85.0}) {
    if (auto st = bench.set_drive({5e-3, 3e-3, 0.0, true}); !st) throw std::runtime_error(st.error().describe());
    if (auto st = bench.set_chamber_setpoint_c(t); !st) throw std::runtime_error(st.error().describe());
    bench.clock()->advance(3 * 3600);
    const auto c = test::ber_coverage(bench, {2e9, 3e9}, {1e8, 1e9, 1e10, 1e11, 1e12}, 3).value();
    line += fmt::format(" | {:g} C {}/{}", t, c.covered, c.informative);
    all += c;
  }
  const double pct = 100 * all.fraction();
  const bool ok = all.informative > 0 && pct >= 93.0 && pct <= 98.0;
  fig.add(pct, ok, fmt::format("variant {}", v.index));
  fmt::print("ber      v{:<2} upper bounds covering{} | {}/{} informative lane-gates {:.1f} %, target 93-98 %: {}\n",
             v.index, line, all.covered, all.informative, pct, mark(ok));
}

// Readings every duration/250 h, the duration set (as a lab sets a stress test's) so the median
// lane's expected decay at the end is the variant's target (2-10 %), within 500-10000 h.
double burn_in_duration_h(const sim::BenchConfig& config, double dut_c, double current_a, double target_decay) {
  const double g = test::age_array(config, dut_c, current_a, 1, 1, 0).stress_factor;
  const double h = -std::log(1 - target_decay) / (config.ageing.alpha_ref_per_h * g);
  return std::clamp(h, 500.0, 10000.0);
}

// Array decay rate and L70 against the population truth, and catastrophic failures found.
void lifetime_figures(const Variant& v, Figure& alpha_fig, Figure& l70_fig, Figure& found_fig, Figure& false_fig) {
  const auto& config = v.config;
  const double duration = burn_in_duration_h(config, v.stress_dut_c, v.stress_current_a, v.target_decay);
  const double interval = duration / 250;
  const auto run = test::age_array(config, v.stress_dut_c, v.stress_current_a, duration, interval, config.seed + 7);
  auto r = analysis::analyse_burn_in(run.time_h, run.readings);
  if (!r || !r->array_l70) throw std::runtime_error(fmt::format("variant {}: burn-in analysis gave no array figure", v.index));
  const auto truth = test::population_truth(config, run, r->window.start_h);
  const double truth_l70 = analysis::lifetime_lp_h(truth.b, truth.alpha_per_h, 70.0);
  const double alpha_err = 100 * (r->array_l70->alpha_per_h / truth.alpha_per_h - 1);
  const double l70_err = 100 * (r->array_l70->lp_raw_h / truth_l70 - 1);
  const bool alpha_ok = std::abs(alpha_err) <= 10, l70_ok = std::abs(l70_err) <= 10;
  const auto where = fmt::format("variant {}", v.index);
  alpha_fig.add(std::abs(alpha_err), alpha_ok, where);
  l70_fig.add(std::abs(l70_err), l70_ok, where);
  fmt::print("decay    v{:<2} {:g} C case, {:.2f} mA, {:.0f} h every {:.1f} h, {} units: alpha {:.4g}/h vs truth {:.4g}/h "
             "({:+.2f} %), target within 10 %: {}\n",
             v.index, v.stress_dut_c, v.stress_current_a * 1e3, duration, interval, r->units, r->array_l70->alpha_per_h,
             truth.alpha_per_h, alpha_err, mark(alpha_ok));
  fmt::print("l70      v{:<2} L70 {:.4g} h vs truth {:.4g} h ({:+.2f} %), target within 10 %: {}\n", v.index,
             r->array_l70->lp_raw_h, truth_l70, l70_err, mark(l70_ok));

  // Every lane that failed suddenly early enough to be confirmed (three readings) must be found
  // at the reading where it dropped; a lane found that did not fail by the end, or a dead flag
  // that differs from the bench's, is a false detection. Lanes failing in the last readings may
  // go either way.
  const sim::ArrayModel array(config);
  const sim::AgeingModel ageing(config, array);
  const double confirmable_h = run.time_h[run.time_h.size() - 3];
  std::size_t expected = 0, found = 0, found_late = 0, falses = 0, dead = 0;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const auto& lane = r->lanes[i];
    if (lane.dead != array.lane(i).dead) ++falses;
    if (array.lane(i).dead) {
      ++dead;
      continue;
    }
    if (test::fails_by(ageing, run, i, confirmable_h)) {
      ++expected;
      const double at_h =
          std::ceil(ageing.lane(i).failure_stress_h / run.stress_factor / interval - 1e-9) * interval;
      if (lane.catastrophic && std::abs(lane.catastrophic_at_h - at_h) <= 1e-6 * duration) ++found;
      else if (lane.catastrophic) ++found_late;
    } else if (!test::fails_by(ageing, run, i, run.time_h.back()) && lane.catastrophic) {
      ++falses;
    }
  }
  const bool found_ok = found == expected, false_ok = falses == 0;
  found_fig.add(static_cast<double>(expected - found), found_ok, where);
  false_fig.add(static_cast<double>(falses), false_ok, where);
  fmt::print("failures v{:<2} {} dead lanes; sudden failures found at their reading {} of {} ({} found at another reading), "
             "false detections {}; target all, none: {}\n",
             v.index, dead, found, expected, found_late, falses, mark(found_ok && false_ok));
}

// Ea from burn-ins at three case temperatures, 20 C apart, at the variant's stress current; the
// junction is the case plus the array's self-heating. Same duration for the three, set at the
// middle temperature.
void ea_figure(const Variant& v, Figure& fig) {
  const auto& config = v.config;
  const double duration = burn_in_duration_h(config, v.arrhenius_dut_c[1], v.stress_current_a, v.target_decay);
  std::vector<analysis::StressRun> runs, truth_runs;
  std::string decays;
  for (double dut_c : v.arrhenius_dut_c) {
    const auto aged = test::age_array(config, dut_c, v.stress_current_a, duration, duration / 250,
                                      config.seed * 10 + static_cast<std::uint64_t>(dut_c));
    auto r = analysis::analyse_burn_in(aged.time_h, aged.readings);
    if (!r || !r->array_l70) throw std::runtime_error(fmt::format("variant {}: burn-in at {} C gave no array figure", v.index, dut_c));
    runs.push_back({"run", "variant", v.stress_current_a, dut_c, dut_c,
                    analysis::junction_temperature_c(dut_c, config.array.array_thermal_resistance_c_per_w,
                                                     aged.electrical_power_w),
                    analysis::median_lane_alpha_per_h(*r).value()});
    // The same fit on the population truth's decay rates tells a measurement error from a
    // method error (an array rate over lanes of spread rates need not follow Arrhenius).
    truth_runs.push_back(runs.back());
    const auto truth = test::population_truth(config, aged, r->window.start_h);
    truth_runs.back().alpha_per_h = truth.alpha_per_h;
    decays += fmt::format("{}{:.0f} %", decays.empty() ? "" : "/", 100 * (1 - truth.b * std::exp(-truth.alpha_per_h * duration)));
  }
  const auto truth_all = analysis::arrhenius_across_runs(truth_runs);
  const double truth_fit_ea = truth_all.groups.size() == 1 && truth_all.groups[0].fit ? truth_all.groups[0].fit->ea_ev : std::nan("");
  const auto all = analysis::arrhenius_across_runs(runs);
  const bool fitted = all.groups.size() == 1 && all.groups[0].fit.has_value();
  const double ea = fitted ? all.groups[0].fit->ea_ev : std::nan("");
  const double err = ea - config.ageing.activation_energy_ev;
  const bool ok = fitted && std::abs(err) <= 0.05;
  fig.add(std::abs(err), ok, fmt::format("variant {}", v.index));
  fmt::print("ea       v{:<2} {:g}/{:g}/{:g} C case at {:.2f} mA, {:.0f} h each (array decay {}): Ea {:.3f} eV vs truth {:.3f} eV ({:+.3f} eV), "
             "target within 0.05 eV: {} (the same fit on the population truth's rates: {:.3f} eV)\n",
             v.index, v.arrhenius_dut_c[0], v.arrhenius_dut_c[1], v.arrhenius_dut_c[2], v.stress_current_a * 1e3,
             duration, decays, ea, config.ageing.activation_energy_ev, err, mark(ok), truth_fit_ea);
}

// Energy per bit from the SMU twin's V x I readings over loopback, every lane driven, with the
// case at 25 and 85 C and at 1 and 5 mA, against the bench's truth at its junction then.
void energy_figure(const Variant& v, Figure& fig) {
  constexpr double kRate = 2e9;
  test::SimStation station(v.config);
  instruments::InstrumentConfig config;
  config.name = "smu1";
  config.kind = "smu";
  config.driver = "ledlab-smu";
  config.limits = {{"max_current_a", 0.02}, {"max_compliance_v", 10}, {"max_compliance_a", 0.02}};
  config.options = {{"compliance_v", 8}, {"compliance_a", 0.02}};
  config.session.timeout = io::Millis(10000);
  asio::io_context io;
  auto owner = test::make_driver(io, config, station.serve_twin(config));
  auto* smu = dynamic_cast<instruments::Smu*>(owner.get());
  auto run = [&io](auto op) { return test::run(io, std::move(op)); };
  auto must = [&](const Status& st) {
    if (!st) throw std::runtime_error(st.error().describe());
  };
  must(run(smu->initialize()));
  auto& bench = *station.bench();
  std::string line;
  double worst = 0;
  bool all_ok = true;
  for (double t : {25.0, 85.0}) {
    for (double bias : {1e-3, 5e-3}) {
      must(run(smu->source_current_all_a(bias)));
      must(run(smu->set_output_all(true)));
      must(bench.set_chamber_setpoint_c(t));
      station.clock()->advance(3 * 3600);  // the chamber, the case and the junction settle
      auto readings = run(smu->measure_all());
      if (!readings) throw std::runtime_error(readings.error().describe());
      std::vector<double> volts, amps;
      for (const auto& m : *readings) volts.push_back(m.voltage_v), amps.push_back(m.current_a);
      auto measured = analysis::measured_energy_per_bit(volts, amps, kRate, 0.0, 0);
      if (!measured) throw std::runtime_error(measured.error().describe());
      const double truth =
          sim::led_energy_per_bit_truth_pj(v.config, bench.lane_count(), bias, bench.junction_temperature_c(), kRate);
      const double err = 100 * (measured->energy.energy_pj_per_bit / truth - 1);
      const bool ok = std::abs(err) <= 5 && measured->driven_lanes == bench.lane_count();
      all_ok = all_ok && ok;
      worst = std::max(worst, std::abs(err));
      fig.add(std::abs(err), ok, fmt::format("variant {} at {:g} C, {:g} mA", v.index, t, bias * 1e3));
      line += fmt::format(" | {:g} C {:g} mA {:.3f} vs {:.3f} pJ/bit ({:+.2f} %, {} lanes)", t, bias * 1e3,
                          measured->energy.energy_pj_per_bit, truth, err, measured->driven_lanes);
    }
  }
  must(run(smu->set_output_all(false)));
  fmt::print("energy   v{:<2} measured vs truth{} | worst {:.2f} %, target within 5 %: {}\n", v.index, line, worst,
             mark(all_ok));
}

// ---- command line ----

template <class T>
bool parse(std::string_view text, T& out) {
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && p == end;
}

int usage(const char* what) {
  fmt::print(stderr, "bench_accuracy: {}\nusage: bench_accuracy [--variants N (1-1000)] [--seed S]\n", what);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  int variants = 8;
  std::uint64_t seed = 15;
  for (int a = 1; a < argc; ++a) {
    const std::string_view arg = argv[a];
    if ((arg == "--variants" || arg == "--seed") && a + 1 >= argc) return usage(fmt::format("{} needs a value", arg).c_str());
    if (arg == "--variants") {
      if (!parse(argv[++a], variants) || variants < 1 || variants > 1000)
        return usage(fmt::format("--variants: '{}' is not a whole number in 1-1000", argv[a]).c_str());
    } else if (arg == "--seed") {
      if (!parse(argv[++a], seed)) return usage(fmt::format("--seed: '{}' is not a whole number >= 0", argv[a]).c_str());
    } else {
      return usage(fmt::format("unknown argument '{}'", arg).c_str());
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  Figure f3db{"f3db_within_3pct", ">= 95 % of live lanes at every current and sweep"};
  Figure ber{"ber_upper_bound_coverage", "93-98 % of informative lane-gates"};
  Figure decay{"array_decay_rate_error", "within 10 % of the population truth", true};
  Figure l70{"array_l70_error", "within 10 % of the population truth", true};
  Figure ea{"ea_error_ev", "within 0.05 eV (three stress temperatures, one current)", true};
  Figure energy{"energy_per_bit_error", "within 5 % of the bench's truth", true};
  Figure missed{"catastrophic_failures_missed", "0 (every one detected)", true};
  Figure falses{"false_detections", "0", true};

  fmt::print("bench_accuracy --seed {} --variants {}\n", seed, variants);
  for (int i = 0; i < variants; ++i) {
    const Variant v = draw_variant(seed, i);
    fmt::print("variant  v{:<2} {}\n", v.index, describe(v));
    try {
      f3db_figure(v, f3db);
      ber_figure(v, ber);
      lifetime_figures(v, decay, l70, missed, falses);
      ea_figure(v, ea);
      energy_figure(v, energy);
    } catch (const std::exception& e) {
      fmt::print("error    v{:<2} {}\n", v.index, e.what());
      return 1;
    }
    std::fflush(stdout);
  }

  fmt::print("\nsummary over {} variants (seed {}), {:.0f} s:\n", variants, seed,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  bool all = true;
  auto summary = [&all](const Figure& f, const std::string& unit) {
    all = all && f.pass;
    fmt::print("{} {:<28} worst {:.3g}{} ({}), range {:.3g}-{:.3g}{}, target {}{}\n", f.pass ? "PASS" : "FAIL", f.name,
               f.worst, unit, f.worst_at, f.lowest, f.highest, unit, f.target,
               f.misses.empty() ? "" : fmt::format("; missed at {}", fmt::join(f.misses, ", ")));
  };
  summary(f3db, " %");
  summary(ber, " %");
  summary(decay, " %");
  summary(l70, " %");
  summary(ea, " eV");
  summary(energy, " %");
  summary(missed, "");
  summary(falses, "");
  return all ? 0 : 1;
}
