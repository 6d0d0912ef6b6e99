#include "instruments/sim/random.hpp"

#include <cmath>
#include <numbers>

namespace ledlab::sim {

CounterRng::CounterRng(std::uint64_t seed, Stream stream, std::uint64_t lane, std::uint64_t index) {
  // Distinct odd multipliers keep (lane, index) pairs such as (1, 0) and (0, 1) apart.
  std::uint64_t k = mix64(seed);
  k = mix64(k ^ (static_cast<std::uint64_t>(stream) * 0xD1B54A32D192ED03ull));
  k = mix64(k ^ (lane * 0xAEF17502108EF2D9ull));
  key_ = mix64(k ^ (index * 0xDB4F0B9175AE2165ull));
}

std::uint64_t CounterRng::next_u64() { return mix64(key_ + (++sub_) * 0x9E3779B97F4A7C15ull); }

double CounterRng::uniform() {
  // 53 random bits, offset by half a step so the result is strictly inside (0, 1).
  return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53;
}

double CounterRng::normal() {
  const double u1 = uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double CounterRng::lognormal_factor(double sigma_ln) {
  if (sigma_ln <= 0.0) return 1.0;
  return std::exp(sigma_ln * normal());
}

double CounterRng::exponential(double mean) { return -mean * std::log(uniform()); }

std::uint64_t CounterRng::poisson(double mean) {
  if (!(mean > 0.0)) return 0;
  if (mean < 10.0) {
    // Inversion: walk the CDF. Exact, and the only branch that matters for low error counts.
    const double u = uniform();
    double p = std::exp(-mean);
    double cdf = p;
    std::uint64_t k = 0;
    while (u > cdf && k < 1000) {
      ++k;
      p *= mean / static_cast<double>(k);
      cdf += p;
    }
    return k;
  }
  if (mean > 1e9) {
    // Relative spread below 3e-5: the normal limit is indistinguishable and avoids cancellation
    // between k log(mean) and lgamma(k + 1) at these magnitudes.
    const double k = std::round(mean + std::sqrt(mean) * normal());
    return k <= 0.0 ? 0 : static_cast<std::uint64_t>(k);
  }
  // PTRS, valid for mean >= 10.
  const double smu = std::sqrt(mean);
  const double b = 0.931 + 2.53 * smu;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  const double log_mean = std::log(mean);
  for (;;) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::uint64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + k * log_mean - std::lgamma(k + 1.0)) {
      return static_cast<std::uint64_t>(k);
    }
  }
}

}  // namespace ledlab::sim
