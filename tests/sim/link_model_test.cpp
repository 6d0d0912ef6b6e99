#include "instruments/sim/link_model.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

using namespace ledlab::sim;

TEST_CASE("BER is 0.5 erfc(Q/sqrt2): Q 7.03 gives about 1e-12") {
  CHECK(ber_from_q(7.03) == Approx(1e-12).epsilon(0.05));
  // REFERENCE.md 4: Q 6 -> 9.9e-10; 7.94 -> 1e-15; 3.49 -> 2.4e-4.
  CHECK(ber_from_q(6.0) == Approx(9.87e-10).epsilon(0.01));
  CHECK(ber_from_q(7.94) == Approx(1.0e-15).epsilon(0.05));
  CHECK(ber_from_q(3.49) == Approx(2.4e-4).epsilon(0.02));
  CHECK(ber_from_q(0.0) == 0.5);
}

TEST_CASE("q_from_ber inverts ber_from_q") {
  CHECK(q_from_ber(1e-12) == Approx(7.034).epsilon(1e-3));
  for (const double q : {0.5, 3.0, 7.03, 12.0}) CHECK(q_from_ber(ber_from_q(q)) == Approx(q).epsilon(1e-9));
  CHECK(q_from_ber(0.5) == 0.0);
}

TEST_CASE("ISI closes the eye as the bit rate approaches the lane's bandwidth") {
  const double f3db = 900e6;
  double previous = 1.0;
  for (const double rate : {0.5e9, 1e9, 2e9, 3e9, 4e9}) {
    const double eye = isi_eye_fraction(f3db, rate);
    CAPTURE(rate, eye);
    CHECK(eye < previous);
    previous = eye;
  }
  // Single-pole closed form: 1 - 2 exp(-T_b 2 pi f3dB).
  CHECK(isi_eye_fraction(1e9, 2e9) == Approx(1.0 - 2.0 * std::exp(-0.5e-9 * 2 * std::numbers::pi * 1e9)));
  // Closed once exp(-T_b / tau) reaches 1/2.
  CHECK(isi_eye_fraction(1e9, 2 * std::numbers::pi * 1e9 / std::log(2.0) * 1.01) == 0.0);
}

TEST_CASE("a longer PRBS costs eye through baseline wander of the AC-coupled receiver") {
  CHECK(baseline_wander_fraction(31, 2e9, 100e3) > baseline_wander_fraction(7, 2e9, 100e3));
  CHECK(baseline_wander_fraction(31, 2e9, 0.0) == 0.0);
}

TEST_CASE("Q grows with the received modulation amplitude and falls with receiver noise") {
  LinkConfig config;
  LinkInput in;
  in.power_one_w = 120e-6;
  in.power_zero_w = 60e-6;
  in.f3db_hz = 900e6;
  in.bit_rate_hz = 2e9;
  const LinkResult base = evaluate_link(in, config);
  CHECK(base.received_oma_w == Approx(config.coupling * 60e-6));
  CHECK(base.q > 7.0);
  CHECK(base.ber == Approx(ber_from_q(base.q)));

  LinkInput weaker = in;
  weaker.power_one_w *= 0.5;
  weaker.power_zero_w *= 0.5;
  CHECK(evaluate_link(weaker, config).q < base.q);

  LinkConfig noisier = config;
  noisier.noise_a_per_sqrt_hz *= 2;
  CHECK(evaluate_link(in, noisier).q < base.q);

  LinkInput faster = in;
  faster.bit_rate_hz = 4e9;
  CHECK(evaluate_link(faster, config).ber > base.ber);
}

TEST_CASE("no light or a closed eye gives BER 1/2") {
  LinkConfig config;
  LinkInput dark;
  dark.bit_rate_hz = 2e9;
  dark.f3db_hz = 900e6;
  CHECK(evaluate_link(dark, config).ber == 0.5);
  LinkInput closed;
  closed.power_one_w = 100e-6;
  closed.f3db_hz = 100e6;
  closed.bit_rate_hz = 10e9;
  CHECK(evaluate_link(closed, config).ber == 0.5);
}
