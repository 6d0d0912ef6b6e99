#include "analysis/liv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ledlab::analysis {

namespace {
constexpr double kHc_ev_nm = 1239.841984;
}

double photon_energy_ev(double wavelength_nm) { return kHc_ev_nm / wavelength_nm; }

double emitter_area_cm2(double diameter_um) {
  const double r_cm = 0.5 * diameter_um * 1e-4;
  return std::numbers::pi * r_cm * r_cm;
}

double external_quantum_efficiency(double power_w, double current_a, double wavelength_nm) {
  if (!(current_a > 0)) return 0;
  return power_w / (current_a * photon_energy_ev(wavelength_nm));
}

Result<LivResult> analyse_liv(std::span<const double> current_a, std::span<const double> voltage_v,
                              std::span<const double> power_w, double area_cm2, double wavelength_nm) {
  const std::size_t n = current_a.size();
  if (power_w.size() != n || (!voltage_v.empty() && voltage_v.size() != n))
    return fail(Errc::invalid_argument, fmt::format("LIV: {} currents, {} voltages and {} powers: lengths differ", n,
                                                    voltage_v.size(), power_w.size()));
  if (n < 3) return fail(Errc::invalid_argument, fmt::format("LIV: {} points, at least 3 needed for a peak", n));
  if (!(area_cm2 > 0) || !std::isfinite(area_cm2))
    return fail(Errc::invalid_argument, fmt::format("LIV: emitter area {} cm2 is not > 0", area_cm2));
  if (!(wavelength_nm > 0) || !std::isfinite(wavelength_nm))
    return fail(Errc::invalid_argument, fmt::format("LIV: wavelength {} nm is not > 0", wavelength_nm));
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(current_a[i]) || !(current_a[i] > 0) || !std::isfinite(power_w[i]) ||
        (!voltage_v.empty() && !std::isfinite(voltage_v[i])))
      return fail(Errc::invalid_argument, fmt::format("LIV: point {} (I = {} A) is not a finite reading with I > 0", i + 1,
                                                      current_a[i]));
    if (i > 0 && !(current_a[i] > current_a[i - 1]))
      return fail(Errc::invalid_argument, fmt::format("LIV: current {} A at point {} does not increase", current_a[i], i + 1));
  }

  LivResult r;
  for (std::size_t i = 0; i < n; ++i) {
    r.current_density_a_per_cm2.push_back(current_a[i] / area_cm2);
    r.eqe.push_back(external_quantum_efficiency(power_w[i], current_a[i], wavelength_nm));
    const double electrical = voltage_v.empty() ? 0.0 : current_a[i] * voltage_v[i];
    r.wall_plug_efficiency.push_back(electrical > 0 ? power_w[i] / electrical : 0.0);
  }
  const auto top = std::ranges::max_element(r.eqe);
  const std::size_t k = static_cast<std::size_t>(top - r.eqe.begin());
  r.peak_index = k;
  r.peak_eqe = *top;
  r.peak_current_a = current_a[k];
  r.peak_at_edge = k == 0 || k + 1 == n;
  if (!r.peak_at_edge) {
    // Vertex of the parabola through (ln I, EQE) at k-1, k, k+1; it lies between the
    // neighbours because the middle point is the largest.
    const double x0 = std::log(current_a[k - 1]), x1 = std::log(current_a[k]), x2 = std::log(current_a[k + 1]);
    const double y0 = r.eqe[k - 1], y1 = r.eqe[k], y2 = r.eqe[k + 1];
    const double d01 = (y1 - y0) / (x1 - x0), d12 = (y2 - y1) / (x2 - x1);
    const double curvature = (d12 - d01) / (x2 - x0);  // half the second derivative
    if (curvature < 0) {
      const double x = 0.5 * (x0 + x1) - d01 / (2 * curvature);
      const double xv = std::clamp(x, x0, x2);
      r.peak_current_a = std::exp(xv);
      r.peak_eqe = y1 + d01 * (xv - x1) + curvature * (xv - x0) * (xv - x1);
      r.peak_eqe = std::max(r.peak_eqe, y1);
    }
  }
  r.peak_current_density_a_per_cm2 = r.peak_current_a / area_cm2;
  r.droop_at_max_current = r.peak_eqe > 0 ? 1.0 - r.eqe.back() / r.peak_eqe : 0.0;

  if (!voltage_v.empty()) {
    // Top quarter of the sweep (at least two points): where I R_s dominates dV/dI.
    const std::size_t m = std::max<std::size_t>(2, n / 4);
    double si = 0, sv = 0, sii = 0, siv = 0;
    for (std::size_t i = n - m; i < n; ++i) {
      si += current_a[i];
      sv += voltage_v[i];
      sii += current_a[i] * current_a[i];
      siv += current_a[i] * voltage_v[i];
    }
    const double md = static_cast<double>(m);
    const double den = md * sii - si * si;
    if (den > 0) r.series_resistance_ohm = (md * siv - si * sv) / den;
  }
  return r;
}

}  // namespace ledlab::analysis
