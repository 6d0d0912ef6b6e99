#include "instruments/sim/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace ledlab::sim;

namespace {

struct Moments {
  double mean = 0;
  double variance = 0;
  double zero_fraction = 0;
};

Moments poisson_moments(double mean, int draws) {
  double sum = 0;
  double sum2 = 0;
  int zeros = 0;
  for (int i = 0; i < draws; ++i) {
    CounterRng rng(42, Stream::bit_errors, 3, static_cast<std::uint64_t>(i));
    const double k = static_cast<double>(rng.poisson(mean));
    sum += k;
    sum2 += k * k;
    zeros += k == 0.0;
  }
  Moments m;
  m.mean = sum / draws;
  m.variance = sum2 / draws - m.mean * m.mean;
  m.zero_fraction = static_cast<double>(zeros) / draws;
  return m;
}

}  // namespace

TEST_CASE("the same key gives the same draws and a different lane gives different ones") {
  CounterRng a(7, Stream::meter_noise, 5, 11);
  CounterRng b(7, Stream::meter_noise, 5, 11);
  CounterRng c(7, Stream::meter_noise, 6, 11);
  CounterRng d(7, Stream::sensor_noise, 5, 11);
  const auto first = a.next_u64();
  CHECK(first == b.next_u64());
  CHECK(first != c.next_u64());
  CHECK(first != d.next_u64());
  CHECK(a.next_u64() != first);  // the sub-counter moves on
}

TEST_CASE("uniform draws stay inside (0, 1) and normal draws have unit variance") {
  double sum = 0;
  double sum2 = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    CounterRng rng(1, Stream::meter_noise, 0, static_cast<std::uint64_t>(i));
    const double u = rng.uniform();
    REQUIRE(u > 0.0);
    REQUIRE(u < 1.0);
    const double z = rng.normal();
    sum += z;
    sum2 += z * z;
  }
  CHECK(std::fabs(sum / n) < 0.015);
  CHECK(sum2 / n == Approx(1.0).epsilon(0.02));
}

TEST_CASE("Poisson counts with mean 0.5 have the right mean and zero fraction") {
  const Moments m = poisson_moments(0.5, 200000);
  CHECK(m.mean == Approx(0.5).epsilon(0.01));
  CHECK(m.variance == Approx(0.5).epsilon(0.02));
  CHECK(m.zero_fraction == Approx(std::exp(-0.5)).margin(0.004));
}

TEST_CASE("Poisson counts with a tiny mean are almost always zero") {
  const Moments m = poisson_moments(1e-3, 100000);
  CHECK(m.zero_fraction == Approx(std::exp(-1e-3)).margin(5e-4));
  CHECK(m.mean == Approx(1e-3).margin(4e-4));
}

TEST_CASE("Poisson counts keep mean and variance in the rejection regime") {
  for (const double mean : {10.0, 37.5, 1e4, 1e8}) {
    const Moments m = poisson_moments(mean, 50000);
    CAPTURE(mean);
    CHECK(m.mean == Approx(mean).epsilon(4.0 * std::sqrt(mean / 50000) / mean + 1e-9));
    CHECK(m.variance == Approx(mean).epsilon(0.04));
  }
}

TEST_CASE("Poisson counts of a huge mean follow the normal limit") {
  const Moments m = poisson_moments(1e12, 20000);
  CHECK(m.mean == Approx(1e12).epsilon(1e-7));
  CHECK(m.variance == Approx(1e12).epsilon(0.05));
}

TEST_CASE("Poisson with zero or negative mean draws nothing") {
  CounterRng rng(1, Stream::bit_errors, 0, 0);
  CHECK(rng.poisson(0.0) == 0);
  CHECK(rng.poisson(-1.0) == 0);
}
