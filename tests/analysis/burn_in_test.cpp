#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "analysis/burn_in.hpp"

using namespace ledlab::analysis;

namespace {

struct Burn {
  std::vector<double> time_h;
  std::vector<std::vector<double>> readings;  // [reading][lane]
};

// `lanes` lanes of 80 uW decaying with alpha_per_h (lane i at alpha (1 + i / lanes)), read
// every step_h from t0_h; lane `dead` is dark, lane `fails` drops to 40 % at fail_at_h.
Burn burn(std::size_t lanes, double duration_h, double alpha_per_h, double step_h, std::size_t dead,
          std::size_t fails, double fail_at_h, double t0_h = 12.0) {
  Burn b;
  for (double t = 0; t <= duration_h + 1e-9; t += step_h) {
    b.time_h.push_back(t0_h + t);
    std::vector<double> row;
    for (std::size_t i = 0; i < lanes; ++i) {
      const double alpha = alpha_per_h * (1.0 + static_cast<double>(i) / static_cast<double>(lanes));
      double p = 80e-6 * std::exp(-alpha * t);
      if (i == dead) p = 1e-10;
      if (i == fails && t >= fail_at_h) p *= 0.4;
      row.push_back(p);
    }
    b.readings.push_back(std::move(row));
  }
  return b;
}

}  // namespace

TEST_CASE("a burn-in recovers each lane's decay rate and flags dead and failed lanes") {
  const Burn b = burn(24, 1000, 1e-5, 10, 3, 7, 400);
  auto r = analyse_burn_in(b.time_h, b.readings);
  REQUIRE(r);
  CHECK(r->duration_h == Approx(1000));
  CHECK(r->window.start_h == Approx(100));  // early look: from 10 % of a 1000 h test
  CHECK_FALSE(r->window.test_long_enough);
  REQUIRE(r->lanes.size() == 24);
  CHECK(r->lanes[3].dead);
  CHECK_FALSE(r->lanes[3].fitted);
  CHECK(r->lanes[7].failed);
  CHECK(r->lanes[7].failed_at_h == Approx(400));
  CHECK(r->lanes[7].change == Approx(0.4 * std::exp(-1e-5 * (1.0 + 7.0 / 24) * 1000) - 1).epsilon(1e-9));
  CHECK(r->units == 22);  // 24 lanes less one dead and one failed
  for (std::size_t i = 0; i < 24; ++i) {
    if (i == 3 || i == 7) continue;
    INFO("lane " << i);
    CHECK_FALSE(r->lanes[i].failed);
    CHECK(r->lanes[i].alpha_per_h == Approx(1e-5 * (1.0 + i / 24.0)).epsilon(1e-6));
  }
}

TEST_CASE("per-lane L70 of alpha 1.0e-6 per hour is capped at 6x the test for 20 or more units") {
  const Burn b = burn(20, 1000, 1e-6, 50, 99, 99, 0);
  auto r = analyse_burn_in(b.time_h, b.readings);
  REQUIRE(r);
  REQUIRE(r->cap_factor);
  CHECK(*r->cap_factor == 6.0);
  CHECK(r->cap_h == Approx(6000));
  CHECK(r->lanes[0].l70_raw_h == Approx(356675).epsilon(1e-3));
  CHECK(r->lanes[0].l70_capped);
  REQUIRE(r->lanes[0].l70_h);
  CHECK(*r->lanes[0].l70_h == Approx(6000));
  REQUIRE(r->array_l70);
  CHECK_FALSE(r->array_l70->compliant);
  CHECK(r->array_l70->capped);
}

TEST_CASE("a projection inside the cap is reported as fitted") {
  const Burn b = burn(20, 1000, 1e-3, 10, 99, 99, 0);  // fast decay: L90 ~ 105 h raw
  auto r = analyse_burn_in(b.time_h, b.readings, {.failure_limit = 0.99});
  REQUIRE(r);
  CHECK_FALSE(r->lanes[0].l90_capped);
  REQUIRE(r->lanes[0].l90_h);
  CHECK(*r->lanes[0].l90_h == Approx(std::log(100.0 / 90.0) / 1e-3).epsilon(1e-6));
}

TEST_CASE("fewer than 10 surviving lanes give no reported per-lane projection") {
  const Burn b = burn(8, 1000, 1e-5, 100, 99, 99, 0);
  auto r = analyse_burn_in(b.time_h, b.readings);
  REQUIRE(r);
  CHECK_FALSE(r->cap_factor);
  CHECK(r->lanes[0].fitted);
  CHECK_FALSE(r->lanes[0].l70_h);
}

TEST_CASE("burn-in input errors say what is wrong") {
  Burn b = burn(4, 100, 1e-5, 10, 99, 99, 0);
  b.readings[2].pop_back();
  auto ragged = analyse_burn_in(b.time_h, b.readings);
  REQUIRE_FALSE(ragged);
  CHECK(ragged.error().message.find("reading 3 has 3 lanes") != std::string::npos);
  const std::vector<double> one_t{0};
  const std::vector<std::vector<double>> one_r{{1e-5}};
  CHECK_FALSE(analyse_burn_in(one_t, one_r));
  const Burn ok = burn(4, 100, 1e-5, 10, 99, 99, 0);
  CHECK_FALSE(analyse_burn_in(ok.time_h, ok.readings, {.failure_limit = 1.5}));
}
