#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "analysis/burn_in.hpp"
#include "analysis/burn_in_accumulator.hpp"
#include "analysis/decay_fit.hpp"

using namespace ledlab::analysis;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

struct Table {
  std::vector<double> time_h;
  std::vector<std::vector<double>> readings;  // [reading][lane]
};

// A seeded array: lanes of ~80 uW decaying at ~1e-5/h (lane to lane spread), multiplicative
// noise, dark lanes, lanes that fail (drop to 60 %) at given hours, and odd lanes: one with
// missing readings (NaN), one that reads 0 now and then, one whose output rises.
struct Shape {
  std::size_t lanes = 40;
  double duration_h = 1000;
  double step_h = 0.5;
  double t0_h = 7.25;
  double noise = 2e-4;
  double alpha_per_h = 1e-5;
  double rise_per_h = 2e-5;
  std::vector<std::size_t> dead{3, 17};
  std::vector<std::pair<std::size_t, double>> fails{{5, 40.0}, {9, 300.0}, {22, 720.5}};
  std::size_t nan_lane = 11, zero_lane = 13, rising_lane = 29;
  std::optional<double> last_h;  // a last reading off the step grid
};

Table make(const Shape& s, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> alpha(s.lanes), p0(s.lanes);
  for (std::size_t i = 0; i < s.lanes; ++i) {
    alpha[i] = s.alpha_per_h * std::exp(0.3 * gauss(rng));
    p0[i] = 80e-6 * std::exp(0.1 * gauss(rng));
  }
  std::vector<double> times;
  for (double t = 0; t <= s.duration_h + 1e-9; t += s.step_h) times.push_back(t);
  if (s.last_h) {
    while (!times.empty() && times.back() >= *s.last_h) times.pop_back();
    times.push_back(*s.last_h);
  }
  Table out;
  for (std::size_t k = 0; k < times.size(); ++k) {
    const double t = times[k];
    out.time_h.push_back(s.t0_h + t);
    std::vector<double> row(s.lanes);
    for (std::size_t i = 0; i < s.lanes; ++i) {
      double p = p0[i] * std::exp(-alpha[i] * t) * (1.0 + s.noise * gauss(rng));
      if (i == s.rising_lane) p = p0[i] * (1.0 + s.rise_per_h * t) * (1.0 + s.noise * gauss(rng));
      for (const auto& [lane, at_h] : s.fails)
        if (i == lane && t >= at_h) p *= 0.6;
      if (i == s.nan_lane && k % 7 == 3) p = kNaN;
      if (i == s.zero_lane && k % 11 == 5 && k > 0) p = 0.0;
      for (std::size_t d : s.dead)
        if (i == d) p = 1e-9 * (1.0 + s.noise * gauss(rng));
      row[i] = p;
    }
    out.readings.push_back(std::move(row));
  }
  return out;
}

BurnInAccumulator accumulator(double planned_h, const BurnInOptions& options = {}, BurnInPlan plan = {}) {
  plan.duration_h = planned_h;
  auto acc = BurnInAccumulator::create(plan, options);
  REQUIRE(acc);
  return std::move(*acc);
}

void feed(BurnInAccumulator& acc, const Table& t) {
  for (std::size_t k = 0; k < t.time_h.size(); ++k) REQUIRE(acc.add(t.time_h[k], t.readings[k]));
}

// Running sums against the two-pass fit: equal to rounding (see burn_in_accumulator.hpp).
void same(double batch, double running, const char* what) {
  INFO(what << ": batch " << batch << ", running " << running);
  if (std::isinf(batch) || std::isnan(batch)) {
    CHECK((std::isnan(batch) ? std::isnan(running) : batch == running));
    return;
  }
  CHECK(running == Approx(batch).epsilon(1e-9).margin(1e-300));
}

void same_residual(double batch, double running) {
  INFO("rms residual: batch " << batch << ", running " << running);
  CHECK(running == Approx(batch).epsilon(1e-6).margin(1e-9));
}

void same_optional(const std::optional<double>& batch, const std::optional<double>& running, const char* what) {
  REQUIRE(batch.has_value() == running.has_value());
  if (batch) same(*batch, *running, what);
}

void same_projection(const Tm21Projection& a, const Tm21Projection& b) {
  CHECK(a.p_percent == b.p_percent);
  CHECK(a.units == b.units);
  CHECK(a.test_duration_h == b.test_duration_h);
  CHECK(a.fit_start_h == b.fit_start_h);
  CHECK(a.fit_points == b.fit_points);
  same(a.b, b.b, "array B");
  same(a.alpha_per_h, b.alpha_per_h, "array alpha");
  same(a.decay_percent_per_1000h, b.decay_percent_per_1000h, "array decay");
  same(a.lp_raw_h, b.lp_raw_h, "array L_p raw");
  same_optional(a.lp_reported_h, b.lp_reported_h, "array L_p reported");
  CHECK(a.cap_h == b.cap_h);
  CHECK(a.capped == b.capped);
  CHECK(a.compliant == b.compliant);
  CHECK(a.notes == b.notes);
}

// Every figure analyse_burn_in reports, compared with the accumulator's.
void same_analysis(const BurnInAnalysis& a, const BurnInAnalysis& b) {
  CHECK(a.duration_h == b.duration_h);
  CHECK(a.window.start_h == b.window.start_h);
  CHECK(a.window.end_h == b.window.end_h);
  CHECK(a.window.test_long_enough == b.window.test_long_enough);
  CHECK(a.units == b.units);
  CHECK(a.cap_factor == b.cap_factor);
  CHECK(a.cap_h == b.cap_h);
  REQUIRE(a.lanes.size() == b.lanes.size());
  for (std::size_t i = 0; i < a.lanes.size(); ++i) {
    INFO("lane " << i + 1);
    const LaneBurnIn& x = a.lanes[i];
    const LaneBurnIn& y = b.lanes[i];
    CHECK(x.dead == y.dead);
    CHECK(x.failed == y.failed);
    CHECK(x.failed_at_h == y.failed_at_h);
    CHECK(x.catastrophic == y.catastrophic);
    CHECK(x.catastrophic_at_h == y.catastrophic_at_h);
    CHECK(x.catastrophic_of_level == y.catastrophic_of_level);
    CHECK(x.resolved == y.resolved);
    if (x.fit_points > 2) CHECK(y.alpha_se_per_h == Approx(x.alpha_se_per_h).epsilon(1e-5).margin(1e-12));
    CHECK((x.change == y.change || (std::isnan(x.change) && std::isnan(y.change))));
    CHECK(x.fitted == y.fitted);
    CHECK(x.note == y.note);
    same(x.b, y.b, "B");
    same(x.alpha_per_h, y.alpha_per_h, "alpha");
    same(x.decay_percent_per_1000h, y.decay_percent_per_1000h, "decay");
    same_residual(x.rms_residual_ln, y.rms_residual_ln);
    CHECK(x.fit_points == y.fit_points);
    same(x.l70_raw_h, y.l70_raw_h, "L70 raw");
    same(x.l90_raw_h, y.l90_raw_h, "L90 raw");
    same_optional(x.l70_h, y.l70_h, "L70");
    same_optional(x.l90_h, y.l90_h, "L90");
    CHECK(x.l70_capped == y.l70_capped);
    CHECK(x.l90_capped == y.l90_capped);
  }
  CHECK(a.catastrophic == b.catastrophic);
  CHECK(a.array_note == b.array_note);
  REQUIRE(a.array_interval.has_value() == b.array_interval.has_value());
  if (a.array_interval) {
    CHECK(a.array_interval->lanes == b.array_interval->lanes);
    same(a.array_interval->alpha_sd_per_h, b.array_interval->alpha_sd_per_h, "alpha sd");
    same(a.array_interval->alpha_lo_per_h, b.array_interval->alpha_lo_per_h, "alpha lo");
    same(a.array_interval->l70_hi_h, b.array_interval->l70_hi_h, "L70 hi");
  }
  REQUIRE(a.array_l70.has_value() == b.array_l70.has_value());
  REQUIRE(a.array_l90.has_value() == b.array_l90.has_value());
  if (a.array_l70) same_projection(*a.array_l70, *b.array_l70);
  if (a.array_l90) same_projection(*a.array_l90, *b.array_l90);
}

// Feeds the table; when the accumulator asks for it, a second pass. Then compares.
void check_against_batch(const Table& t, double planned_h, const BurnInOptions& options = {}, BurnInPlan plan = {},
                         std::optional<bool> expect_replay = std::nullopt) {
  auto batch = analyse_burn_in(t.time_h, t.readings, options);
  REQUIRE(batch);
  auto acc = accumulator(planned_h, options, plan);
  feed(acc, t);
  const auto why = acc.replay_needed();
  if (expect_replay) {
    INFO("replay needed: " << why.value_or("no"));
    CHECK(why.has_value() == *expect_replay);
  }
  if (why) {
    auto refused = acc.result();
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find(*why) != std::string::npos);
    REQUIRE(acc.begin_replay());
    feed(acc, t);
  }
  auto running = acc.result();
  REQUIRE(running);
  same_analysis(*batch, *running);
}

}  // namespace

TEST_CASE("running decay-fit sums give the two-pass fit, merged or not, and refuse what it refuses") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> t, phi;
  for (double h = 100; h <= 5000; h += 7.5) {
    t.push_back(h);
    phi.push_back(0.99 * std::exp(-3e-6 * h) * (1 + 1e-4 * gauss(rng)));
  }
  const auto batch = fit_exponential_decay(t, phi);
  REQUIRE(batch);
  DecayFitSums whole, head, tail;
  for (std::size_t i = 0; i < t.size(); ++i) {
    whole.add(t[i], phi[i]);
    (i < t.size() / 3 ? head : tail).add(t[i], phi[i]);
  }
  head.merge(tail);
  for (const DecayFitSums* sums : {&whole, &head}) {
    const auto fit = sums->fit();
    REQUIRE(fit);
    CHECK(fit->points == batch->points);
    CHECK(fit->b == Approx(batch->b).epsilon(1e-12));
    CHECK(fit->alpha_per_h == Approx(batch->alpha_per_h).epsilon(1e-9));
    CHECK(fit->rms_residual_ln == Approx(batch->rms_residual_ln).epsilon(1e-8));
  }

  DecayFitSums bad;
  bad.add(1, 1.0);
  bad.add(2, 0.0);
  bad.add(3, 0.9);
  const std::vector<double> bt{1, 2, 3}, bp{1.0, 0.0, 0.9};
  REQUIRE_FALSE(bad.fit());
  CHECK(bad.fit().error().message == fit_exponential_decay(bt, bp).error().message);
  DecayFitSums one;
  one.add(1, 1.0);
  CHECK(one.fit().error().message == "decay fit needs two points, got 1");
  DecayFitSums flat;
  flat.add(5, 1.0);
  flat.add(5, 0.9);
  CHECK(flat.fit().error().message == "all readings at one time: no slope to fit");
  DecayFitSums good_then_bad;  // a refused point in the later half keeps its index
  good_then_bad.add(1, 1.0);
  good_then_bad.merge(bad);
  CHECK(good_then_bad.fit().error().message.find("output[2] = 0") != std::string::npos);
}

TEST_CASE("a burn-in accumulated one reading at a time reports what analyse_burn_in reports, seed after seed") {
  for (unsigned seed = 1; seed <= 6; ++seed) {
    INFO("seed " << seed);
    Shape s;
    // Lanes failing after the window opened: the array's average needs the second pass.
    s.fails = {{5, 10.0 * seed}, {9, 150.0 + 90 * seed}, {22, 640.5}};
    check_against_batch(make(s, seed), s.duration_h, {}, {}, true);
  }
}

TEST_CASE("failures before the fit window leave the one pass exact") {
  for (unsigned seed = 11; seed <= 13; ++seed) {
    INFO("seed " << seed);
    Shape s;
    s.fails = {{5, 10.0}, {9, 60.0}, {22, 99.5}};
    check_against_batch(make(s, seed), s.duration_h, {}, {}, false);
  }
}

TEST_CASE("TM-21 windows of long tests are accumulated as analyse_burn_in fits them") {
  for (const double hours : {1500.0, 3000.0, 8000.0, 12000.0}) {
    INFO(hours << " h");
    Shape s;
    s.duration_h = hours;
    s.step_h = 10;
    s.alpha_per_h = 2e-6;  // no lane wears out beyond the limit
    s.rise_per_h = 2e-6;
    s.fails = {{5, 100.0}, {22, 0.7 * hours}};
    check_against_batch(make(s, 21), hours, {}, {}, true);
    s.fails = {{5, 100.0}};
    check_against_batch(make(s, 22), hours, {}, {}, false);
  }
}

TEST_CASE("a last reading near the planned end gives analyse_burn_in's window in one pass") {
  Shape s;
  s.fails = {};
  s.step_h = 0.01;  // readings on both sides of the window's start move
  s.duration_h = 1000;
  s.last_h = 1000.3;  // window from 100.03 h, not the planned 100 h
  const Table t = make(s, 31);
  check_against_batch(t, 1000, {}, {}, false);
  s.last_h = 999.65;  // from 99.965 h
  check_against_batch(make(s, 32), 1000, {}, {}, false);
}

TEST_CASE("a test that ends far from its plan needs a second pass and then agrees") {
  Shape s;
  s.fails = {};
  s.duration_h = 1200;  // planned 1000: the window starts at 120 h, not 100 h
  auto acc = accumulator(1000);
  const Table t = make(s, 41);
  feed(acc, t);
  REQUIRE(acc.replay_needed());
  CHECK(acc.replay_needed()->find("starts at 120 h") != std::string::npos);
  check_against_batch(t, 1000, {}, {}, true);
  s.duration_h = 800;  // shorter: the readings from 80 h were left out
  check_against_batch(make(s, 42), 1000, {}, {}, true);
}

TEST_CASE("readings kept whole around the window's start stay within their bound") {
  Shape s;
  s.fails = {};
  s.step_h = 0.01;
  s.lanes = 12;
  BurnInPlan plan;
  plan.guard_h = 0.02;            // readings from 99.98 h to 100.02 h
  plan.max_held_values = 12 * 4;  // four of them: to 100.01 h, then summed
  s.last_h = 1000.01;             // window from 100.001 h: inside the held readings
  check_against_batch(make(s, 51), 1000, {}, plan, false);
  s.last_h = 1000.4;  // window from 100.04 h: past the held readings, the rest was summed
  check_against_batch(make(s, 52), 1000, {}, plan, true);
  auto acc = accumulator(1000, {}, plan);
  feed(acc, make(s, 52));
  CHECK(acc.held_values() <= plan.max_held_values);
}

TEST_CASE("few units, no units and a unit that cannot be normalised give analyse_burn_in's notes") {
  Shape few;
  few.lanes = 12;
  few.dead = {1};
  few.fails = {{2, 500.0}, {3, 5.0}};
  few.nan_lane = few.zero_lane = few.rising_lane = kNone;
  check_against_batch(make(few, 61), 1000);  // 9 units: no cap factor

  Shape none = few;
  none.lanes = 3;
  none.dead = {0};
  none.fails = {{1, 400.0}, {2, 3.0}};
  check_against_batch(make(none, 62), 1000);

  Shape dark = few;  // a zero floor keeps a lane that starts at 0 W: it cannot be normalised
  dark.dead = {};
  dark.fails = {};
  Table t = make(dark, 63);
  t.readings[0][4] = 0.0;
  check_against_batch(t, 1000, {.failure_limit = 0.1, .dead_below_w = 0.0});
}

TEST_CASE("a lane without readings in the window is left unfitted with analyse_burn_in's reason") {
  Shape s;
  s.fails = {};
  Table t = make(s, 71);
  for (auto& row : t.readings)
    if (&row != &t.readings.front()) row[7] = kNaN;
  check_against_batch(t, 1000, {}, {}, false);
  auto r = analyse_burn_in(t.time_h, t.readings);
  REQUIRE(r);
  CHECK(r->lanes[7].note == "decay fit needs two points, got 0");
}

TEST_CASE("the accumulator refuses bad input naming the reading") {
  CHECK_FALSE(BurnInAccumulator::create({.duration_h = 0}));
  CHECK_FALSE(BurnInAccumulator::create({.duration_h = std::numeric_limits<double>::infinity()}));
  CHECK_FALSE(BurnInAccumulator::create({.duration_h = 100, .guard_h = -1}));
  CHECK_FALSE(BurnInAccumulator::create({.duration_h = 100}, {.failure_limit = 1.5}));
  auto acc = accumulator(100);
  const std::vector<double> two{1e-5, 2e-5}, three{1e-5, 2e-5, 3e-5}, none;
  CHECK(acc.add(0, none).error().message == "readings have no lanes");
  REQUIRE(acc.add(0, two));
  auto ragged = acc.add(1, three);
  REQUIRE_FALSE(ragged);
  CHECK(ragged.error().message == "reading 2 has 3 lanes, the first has 2");
  auto backwards = acc.add(0, two);
  REQUIRE_FALSE(backwards);
  CHECK(backwards.error().message.find("reading times must increase (reading 2") != std::string::npos);
  CHECK(acc.add(kNaN, two).error().message == "reading 2: time nan h is not finite");
  CHECK(acc.readings() == 1);  // a refused reading leaves nothing behind
  CHECK(acc.result().error().message == "1 reading(s): a burn-in needs two or more");
}

TEST_CASE("a second pass over other readings than the first is refused") {
  Shape s;
  const Table t = make(s, 81);
  auto acc = accumulator(1000);
  feed(acc, t);
  REQUIRE(acc.replay_needed());
  REQUIRE(acc.begin_replay());
  for (std::size_t k = 0; k + 1 < t.time_h.size(); ++k) REQUIRE(acc.add(t.time_h[k], t.readings[k]));
  auto short_pass = acc.result();
  REQUIRE_FALSE(short_pass);
  CHECK(short_pass.error().message.find("the second pass differs from the first") != std::string::npos);

  REQUIRE(acc.begin_replay());  // restarts the second pass
  Table other = t;
  for (auto& row : other.readings) row[9] = other.readings.front()[9];  // lane 10 never fails now
  feed(acc, other);
  auto differs = acc.result();
  REQUIRE_FALSE(differs);
  CHECK(differs.error().message.find("lane 10 failed in one pass only") != std::string::npos);
}

TEST_CASE("the lanes that fail are reported at the reading that confirms them, dated from the first") {
  Shape s;
  s.lanes = 10;
  s.dead = {};
  s.fails = {{4, 300.0}};
  s.nan_lane = s.zero_lane = s.rising_lane = kNone;
  s.noise = 0;
  const Table t = make(s, 91);
  auto acc = accumulator(1000);
  std::size_t reported = 0;
  for (std::size_t k = 0; k < t.time_h.size(); ++k) {
    auto failed = acc.add(t.time_h[k], t.readings[k]);
    REQUIRE(failed);
    for (const LaneFailure& f : *failed) {
      ++reported;
      CHECK(f.lane == 4);
      CHECK(t.time_h[k] - t.time_h.front() == Approx(301.0));  // the third reading of the drop
      CHECK(f.at_h == Approx(300.0));
      CHECK(f.of_first == Approx(t.readings[k][4] / t.readings[0][4]));
    }
  }
  CHECK(reported == 2);  // a drop to 60 %: catastrophic and beyond the parametric limit
}
