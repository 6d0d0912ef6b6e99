#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/tm21.hpp"

using namespace ledlab::analysis;

namespace {

// `units` units read every `step_h` up to duration_h, each at its own absolute scale,
// decaying with alpha_per_h after t = 0; `early_bump` is added before 1000 h (burn-in).
Tm21Data lm80(std::size_t units, double duration_h, double alpha_per_h, double step_h = 1000,
              double early_bump = 0.0) {
  Tm21Data d;
  for (double t = 0; t <= duration_h + 1e-9; t += step_h) d.time_h.push_back(t);
  for (std::size_t u = 0; u < units; ++u) {
    std::vector<double> out;
    const double scale = 100.0 + 3.0 * static_cast<double>(u);  // mW, differs per unit
    for (double t : d.time_h) {
      const double bump = (t > 0 && t < 1000) ? early_bump : 0.0;
      out.push_back(scale * (std::exp(-alpha_per_h * t) + bump));
    }
    d.units.push_back(std::move(out));
  }
  return d;
}

}  // namespace

TEST_CASE("TM-21 fit windows: last 5000 h, last half of long tests, never before 1000 h") {
  CHECK(tm21_fit_window(6000).start_h == 1000);
  CHECK(tm21_fit_window(8000).start_h == 3000);
  CHECK(tm21_fit_window(10000).start_h == 5000);
  CHECK(tm21_fit_window(20000).start_h == 10000);
  CHECK(tm21_fit_window(6000).test_long_enough);
  CHECK(tm21_fit_window(4000).start_h == 1000);
  CHECK_FALSE(tm21_fit_window(4000).test_long_enough);
}

TEST_CASE("TM-21 projects L70 = 356,675 h raw and reports 6x a 6000 h test for 20 units") {
  const auto p = tm21_project(lm80(20, 6000, 1.0e-6));
  REQUIRE(p);
  CHECK(p->alpha_per_h == Approx(1.0e-6).epsilon(1e-9));
  CHECK(p->b == Approx(1.0).epsilon(1e-12));
  CHECK(p->lp_raw_h == Approx(356675).epsilon(1e-4));
  CHECK(p->cap_h == 36000);
  CHECK(p->capped);
  REQUIRE(p->lp_reported_h);
  CHECK(*p->lp_reported_h == 36000);
  CHECK(p->compliant);
  CHECK(p->fit_start_h == 1000);
  CHECK(p->fit_points == 6);
  CHECK(p->decay_percent_per_1000h == Approx(0.09995).epsilon(1e-4));
}

TEST_CASE("TM-21 caps at 5.5x for 10-19 units and reports nothing below 10") {
  const auto twelve = tm21_project(lm80(12, 6000, 1.0e-6));
  REQUIRE(twelve);
  CHECK(*twelve->lp_reported_h == 33000);
  CHECK(twelve->compliant);

  const auto five = tm21_project(lm80(5, 6000, 1.0e-6));
  REQUIRE(five);
  CHECK_FALSE(five->lp_reported_h);
  CHECK_FALSE(five->compliant);
  CHECK(five->lp_raw_h == Approx(356675).epsilon(1e-4));
}

TEST_CASE("a projection inside the cap is reported as computed") {
  const auto p = tm21_project(lm80(20, 6000, 1.0e-4), 70);
  REQUIRE(p);
  CHECK_FALSE(p->capped);
  CHECK(*p->lp_reported_h == Approx(std::log(100.0 / 70.0) / 1.0e-4).epsilon(1e-6));
}

TEST_CASE("readings before 1000 h and outside the window do not enter the fit") {
  const auto burn_in = tm21_project(lm80(20, 6000, 2e-6, 250, 0.05));
  REQUIRE(burn_in);
  CHECK(burn_in->fit_start_h == 1000);
  CHECK(burn_in->fit_points == 21);
  CHECK(burn_in->alpha_per_h == Approx(2e-6).epsilon(1e-9));

  const auto longer = tm21_project(lm80(20, 8000, 2e-6, 250, 0.05));
  REQUIRE(longer);
  CHECK(longer->fit_start_h == 3000);
  CHECK(longer->fit_points == 21);
  CHECK(longer->cap_h == 48000);
}

TEST_CASE("a test shorter than 6000 h is projected but flagged not TM-21 compliant") {
  const auto p = tm21_project(lm80(20, 3000, 1.0e-6, 500));
  REQUIRE(p);
  CHECK_FALSE(p->compliant);
  CHECK(p->fit_start_h == 1000);
  CHECK(*p->lp_reported_h == 18000);
  REQUIRE_FALSE(p->notes.empty());
  CHECK(p->notes.front().find("test too short") != std::string::npos);
}

TEST_CASE("missed readings are left out of the unit average") {
  auto d = lm80(20, 6000, 1.0e-6);
  d.units[3][4] = std::numeric_limits<double>::quiet_NaN();
  const auto p = tm21_project(d);
  REQUIRE(p);
  CHECK(p->alpha_per_h == Approx(1.0e-6).epsilon(1e-9));
}

TEST_CASE("TM-21 refuses data without a 0 h reading or with too few points in the window") {
  auto d = lm80(20, 6000, 1.0e-6);
  d.time_h.front() = 10;
  CHECK_FALSE(tm21_project(d));
  CHECK_FALSE(tm21_project(lm80(20, 1000, 1.0e-6)));
  CHECK_FALSE(tm21_project(lm80(20, 6000, 1.0e-6), 120));
  auto dead = lm80(20, 6000, 1.0e-6);
  dead.units[0][0] = 0;
  CHECK_FALSE(tm21_project(dead));
}
