#include "instruments/sim/truth.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab;
using namespace ledlab::sim;

TEST_CASE("the truth file lists every lane with f3dB at the requested currents as the bench reports it") {
  BenchConfig config;
  config.array.array_thermal_resistance_c_per_w = 0.0;  // junction = case = 25 C
  config.array.dead_probability = 0.02;
  auto clock = Clock::manual();
  Bench bench(config, clock);
  const std::vector<double> currents{1e-3, 5e-3, 10e-3};
  const nlohmann::json j = truth(bench, currents);
  CHECK(j["format"] == "ledlab-sim-truth");
  CHECK(j["version"] == kTruthFormatVersion);
  REQUIRE(j["lanes"].size() == 400);
  for (std::size_t c = 0; c < currents.size(); ++c) {
    REQUIRE(bench.set_drive({currents[c], 0.0, 0.0, true}));
    for (std::size_t i = 0; i < bench.lane_count(); ++i) {
      const auto& point = j["lanes"][i]["f3db"][c];
      CHECK(point["current_a"].get<double>() == currents[c]);
      if (bench.array().lane(i).dead) {
        CHECK(point["f3db_hz"].is_null());
      } else {
        CHECK(point["f3db_hz"].get<double>() == Approx(bench.f3db_hz(i)).epsilon(1e-12));
      }
    }
  }
  REQUIRE(bench.set_drive({config.link.reference_bias_a, 0.0, 0.0, true}));
  int dead = 0;
  for (std::size_t i = 0; i < bench.lane_count(); ++i) {
    const auto& lane = j["lanes"][i];
    dead += lane["dead"].get<bool>();
    CHECK(lane["power_w_at_reference"].get<double>() == Approx(bench.lane_optical_power_w(i)).epsilon(1e-12));
    CHECK(lane["alpha_ref_per_h"].get<double>() == bench.lane_ageing(i).alpha_ref_per_h);
  }
  CHECK(dead > 0);
}

TEST_CASE("the truth file's BER at reference matches the bench at the reference drive") {
  BenchConfig config;
  config.array.array_thermal_resistance_c_per_w = 0.0;
  auto clock = Clock::manual();
  Bench bench(config, clock);
  const nlohmann::json j = truth(bench, std::vector<double>{5e-3});
  REQUIRE(bench.set_drive({config.link.reference_bias_a, config.link.reference_modulation_a, 0.0, true}));
  REQUIRE(bench.set_bert(config.link.reference_bit_rate_hz, 31));
  for (const std::size_t i : {0u, 100u, 399u}) {
    CHECK(j["lanes"][i]["q_at_reference"].get<double>() == Approx(bench.lane_link(i).q).epsilon(1e-12));
  }
  // Serialises: no infinities or NaN in the file.
  const std::string text = j.dump();
  CHECK(nlohmann::json::parse(text) == j);
  CHECK(j["models"]["ageing"]["activation_energy_ev"] == config.ageing.activation_energy_ev);
}
