#include "analysis/tm21.hpp"

#include <cmath>

#include <fmt/format.h>

#include "analysis/decay_fit.hpp"

namespace ledlab::analysis {
namespace {

constexpr double tm21_min_duration_h = 6000.0;
constexpr double tm21_full_window_h = 5000.0;
constexpr double tm21_long_test_h = 10000.0;
constexpr double tm21_earliest_h = 1000.0;

Status check_data(const Tm21Data& data) {
  const auto& t = data.time_h;
  if (t.empty()) return fail(Errc::invalid_argument, "no readings");
  if (t.front() != 0.0)
    return fail(Errc::invalid_argument,
                fmt::format("first reading at {} h: TM-21 normalises to the reading at 0 h", t.front()));
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (!(t[i] > t[i - 1]) || !std::isfinite(t[i]))
      return fail(Errc::invalid_argument,
                  fmt::format("reading times must increase (index {}: {} h)", i, t[i]));
  }
  if (data.units.empty()) return fail(Errc::invalid_argument, "no units");
  for (std::size_t u = 0; u < data.units.size(); ++u) {
    if (data.units[u].size() != t.size())
      return fail(Errc::invalid_argument,
                  fmt::format("unit {} has {} readings for {} times", u, data.units[u].size(), t.size()));
    if (auto ok = tm21_check_unit_start(u, data.units[u].front()); !ok) return ok;
  }
  return {};
}

}  // namespace

Status tm21_check_unit_start(std::size_t unit, double output_at_0) {
  if (!(output_at_0 > 0.0) || !std::isfinite(output_at_0))
    return fail(Errc::invalid_argument, fmt::format("unit {} has no positive reading at 0 h to normalise to", unit));
  return {};
}

Status tm21_check_fit_points(std::size_t points, const Tm21Window& window, double test_duration_h) {
  if (points < 2)
    return fail(Errc::invalid_argument, fmt::format("{} reading(s) from {} h to {} h: the decay fit needs at least two",
                                                    points, window.start_h, test_duration_h));
  return {};
}

Tm21Window tm21_fit_window(double test_duration_h) {
  Tm21Window w;
  w.end_h = test_duration_h;
  w.test_long_enough = test_duration_h >= tm21_min_duration_h;
  if (!w.test_long_enough)
    w.start_h = tm21_earliest_h;  // ledlab's choice for short tests, flagged by the caller
  else if (test_duration_h <= tm21_long_test_h)
    w.start_h = test_duration_h - tm21_full_window_h;
  else
    w.start_h = 0.5 * test_duration_h;
  if (w.start_h < tm21_earliest_h) w.start_h = tm21_earliest_h;
  return w;
}

Tm21Window early_look_fit_window(double test_duration_h) {
  if (test_duration_h >= 2.0 * tm21_earliest_h) return tm21_fit_window(test_duration_h);
  Tm21Window w;
  w.start_h = 0.1 * test_duration_h;
  w.end_h = test_duration_h;
  w.test_long_enough = false;
  return w;
}

std::optional<double> tm21_cap_factor(std::size_t units) {
  if (units >= 20) return 6.0;
  if (units >= 10) return 5.5;
  return std::nullopt;
}

Result<std::vector<double>> tm21_average_normalised(const Tm21Data& data) {
  if (auto ok = check_data(data); !ok) return fail(ok.error());
  std::vector<double> mean(data.time_h.size(), 0.0);
  for (std::size_t i = 0; i < data.time_h.size(); ++i) {
    double sum = 0.0;
    std::size_t n = 0;
    for (const auto& unit : data.units) {
      if (!std::isfinite(unit[i])) continue;  // missed reading
      sum += unit[i] / unit.front();
      ++n;
    }
    mean[i] = n ? sum / static_cast<double>(n) : std::nan("");
  }
  return mean;
}

Result<Tm21Projection> tm21_project(const Tm21Data& data, double p_percent) {
  if (data.time_h.empty()) return fail(Errc::invalid_argument, "no readings");
  return tm21_project(data, p_percent, tm21_fit_window(data.time_h.back()));
}

Result<Tm21Projection> tm21_project(const Tm21Data& data, double p_percent, const Tm21Window& window) {
  if (!(p_percent > 0.0 && p_percent < 100.0))
    return fail(Errc::invalid_argument, fmt::format("L_p with p = {} %: p must be in (0, 100)", p_percent));
  auto average = tm21_average_normalised(data);
  if (!average) return fail(average.error());

  const double duration_h = data.time_h.back();
  std::vector<double> t;
  std::vector<double> phi;
  for (std::size_t i = 0; i < data.time_h.size(); ++i) {
    if (data.time_h[i] < window.start_h || !std::isfinite((*average)[i])) continue;
    t.push_back(data.time_h[i]);
    phi.push_back((*average)[i]);
  }
  if (auto ok = tm21_check_fit_points(t.size(), window, duration_h); !ok) return fail(ok.error());
  auto fit = fit_exponential_decay(t, phi);
  if (!fit) return fail(fit.error());
  return tm21_projection(*fit, data.units.size(), duration_h, p_percent, window);
}

Tm21Projection tm21_projection(const DecayFit& fit, std::size_t units, double test_duration_h, double p_percent,
                               const Tm21Window& window) {
  Tm21Projection out;
  out.p_percent = p_percent;
  out.units = units;
  out.test_duration_h = test_duration_h;
  out.fit_start_h = window.start_h;
  out.fit_points = fit.points;
  out.b = fit.b;
  out.alpha_per_h = fit.alpha_per_h;
  out.decay_percent_per_1000h = decay_percent_per_1000h(fit.alpha_per_h);
  out.lp_raw_h = lifetime_lp_h(fit.b, fit.alpha_per_h, p_percent);

  out.compliant = true;
  if (!window.test_long_enough || out.test_duration_h < tm21_min_duration_h) {
    out.compliant = false;
    out.notes.push_back(fmt::format(
        "not TM-21 compliant, test too short: {} h < 6000 h; fitted all readings from {} h",
        out.test_duration_h, window.start_h));
  }
  if (const auto factor = tm21_cap_factor(out.units)) {
    out.cap_h = *factor * out.test_duration_h;
    out.capped = out.lp_raw_h > out.cap_h;
    out.lp_reported_h = out.capped ? out.cap_h : out.lp_raw_h;
    if (out.capped)
      out.notes.push_back(fmt::format("projection capped at {}x the test duration: report > {} h",
                                      *factor, out.cap_h));
  } else {
    out.compliant = false;
    out.notes.push_back(fmt::format("{} units: TM-21 projects only from 10 or more", out.units));
  }
  return out;
}

}  // namespace ledlab::analysis
