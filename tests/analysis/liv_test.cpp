// LIV analysis against closed forms of the ABC model: with P = extraction x IQE x E_photon x I,
// EQE = extraction x IQE, whose peak lies at n* = sqrt(A / C) with IQE* = B / (B + 2 sqrt(A C))
// and J* = q d (2 A n* + B n*^2).
#include "analysis/liv.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

using namespace ledlab::analysis;

namespace {
constexpr double kQ = 1.602176634e-19;

struct Abc {
  double a = 3e7, b = 1e-11, c = 2e-30, d_cm = 10e-7, extraction = 0.05;
  // J for carrier density n, and the IQE there.
  double j(double n) const { return kQ * d_cm * (a * n + b * n * n + c * n * n * n); }
  double iqe(double n) const { return b * n / (a + b * n + c * n * n); }
};
}  // namespace

TEST_CASE("photon energy, emitter area and EQE follow their definitions") {
  CHECK(photon_energy_ev(450) == Approx(2.755204).epsilon(1e-6));
  CHECK(emitter_area_cm2(10) == Approx(std::numbers::pi * 25e-8));
  // 1 mW at 1 mA and 450 nm: 1e-3 / (1e-3 x 2.7552) = 0.3629 photons per electron.
  CHECK(external_quantum_efficiency(1e-3, 1e-3, 450) == Approx(1.0 / 2.755204).epsilon(1e-6));
  CHECK(external_quantum_efficiency(1e-3, 0, 450) == 0);
}

TEST_CASE("the droop peak of an ABC emitter is found at the closed-form current density with its peak EQE") {
  for (const Abc m : {Abc{}, Abc{1e8, 2e-11, 1e-30, 5e-7, 0.1}, Abc{5e6, 5e-12, 5e-30, 20e-7, 0.02}}) {
    const double area = emitter_area_cm2(8);
    const double e_ph = photon_energy_ev(450);
    // A logarithmic sweep of carrier density, 8 points per decade, as a current sweep would be.
    std::vector<double> current, power, voltage;
    for (double n = 1e15; n < 1e21; n *= std::pow(10.0, 1.0 / 8)) {
      const double i = m.j(n) * area;
      current.push_back(i);
      power.push_back(m.extraction * m.iqe(n) * e_ph * i);
      voltage.push_back(2.7 + 150 * i);  // R_s = 150 ohm
    }
    const auto r = analyse_liv(current, voltage, power, area, 450);
    REQUIRE(r);
    const double n_star = std::sqrt(m.a / m.c);
    CHECK_FALSE(r->peak_at_edge);
    CHECK(r->peak_eqe == Approx(m.extraction * m.b / (m.b + 2 * std::sqrt(m.a * m.c))).epsilon(2e-3));
    CHECK(r->peak_current_density_a_per_cm2 == Approx(m.j(n_star)).epsilon(0.05));
    CHECK(r->series_resistance_ohm == Approx(150).epsilon(1e-9));
    CHECK(r->eqe[3] == Approx(m.extraction * m.iqe(1e15 * std::pow(10.0, 3.0 / 8))).epsilon(1e-9));
    CHECK(r->droop_at_max_current > 0.5);
    CHECK(r->wall_plug_efficiency[5] == Approx(power[5] / (current[5] * voltage[5])));
  }
}

TEST_CASE("a sweep that stops before the droop peak says the peak is at its edge") {
  const std::vector<double> i{1e-6, 2e-6, 4e-6}, p{1e-7, 3e-7, 8e-7};
  const auto r = analyse_liv(i, {}, p, 1e-6, 450);
  REQUIRE(r);
  CHECK(r->peak_at_edge);
  CHECK(r->peak_index == 2);
  CHECK(r->series_resistance_ohm == 0);
}

TEST_CASE("LIV refuses mismatched lists, too few points, NaN, non-increasing currents and a bad area") {
  const std::vector<double> i{1e-3, 2e-3, 3e-3}, p{1e-4, 2e-4, 2.5e-4}, v{3, 3.1, 3.2};
  CHECK(analyse_liv(i, v, p, 1e-6, 450));
  CHECK_FALSE(analyse_liv(i, v, std::vector<double>{1e-4, 2e-4}, 1e-6, 450));
  CHECK_FALSE(analyse_liv(std::vector<double>{1e-3, 2e-3}, {}, std::vector<double>{1e-4, 2e-4}, 1e-6, 450));
  CHECK_FALSE(analyse_liv(i, v, std::vector<double>{1e-4, std::nan(""), 2e-4}, 1e-6, 450));
  CHECK_FALSE(analyse_liv(std::vector<double>{1e-3, 1e-3, 3e-3}, v, p, 1e-6, 450));
  CHECK_FALSE(analyse_liv(i, v, p, 0, 450));
  CHECK_FALSE(analyse_liv(i, v, p, std::nan(""), 450));
  CHECK_FALSE(analyse_liv(i, v, p, 1e-6, -1));
}
