#include "instruments/sim/truth.hpp"

#include <cmath>

namespace ledlab::sim {

namespace {

// The link of a lane at the reference drive and bit rate, at the operating point's junction:
// lifetime and f3dB from the coefficients at that temperature, powers with the thermal droop.
LinkResult reference_link(const BenchConfig& config, const OperatingPoint& op) {
  const double droop = thermal_droop_factor(op.junction_c, config.array.fraction_of_25c_output_at_85c);
  LinkInput in;
  in.power_one_w = op.power_one_w * droop;
  in.power_zero_w = op.power_zero_w * droop;
  in.f3db_hz = op.f3db_hz;
  in.bit_rate_hz = config.link.reference_bit_rate_hz;
  in.prbs_order = 31;
  return evaluate_link(in, config.link);
}

nlohmann::json lane_truth(const BenchConfig& config, const Lane& lane, const LaneAgeing& ageing,
                          std::span<const double> currents_a, std::span<const double> junctions_c,
                          std::span<const double> dut_temperatures_c) {
  const LinkConfig& link = config.link;
  nlohmann::json j;
  j["index"] = lane.index;
  j["dut"] = lane.dut;  // rows and cols are within the DUT's array
  j["row"] = lane.row;
  j["col"] = lane.col;
  j["dead"] = lane.dead;
  j["weak"] = lane.weak;
  j["weak_factor"] = lane.weak_factor;
  j["abc"] = {{"a_per_s", lane.params.a_per_s},
              {"b_cm3_per_s", lane.params.b_cm3_per_s},
              {"c_cm6_per_s", lane.params.c_cm6_per_s}};
  j["rc_s"] = lane.params.rc_s;
  j["extraction"] = lane.params.extraction;
  const DiodeParams& d = lane.diode;
  j["diode"] = {{"ideality", d.ideality},
                {"saturation_current_25c_a", d.saturation_current_25c_a},
                {"bandgap_ev", d.bandgap_ev},
                {"series_resistance_25c_ohm", d.series_resistance_25c_ohm},
                {"series_resistance_per_c", d.series_resistance_per_c},
                {"shunt_resistance_ohm", d.shunt_resistance_ohm},
                {"forward_voltage_v_at_reference", diode_voltage_v(d, config.link.reference_bias_a, 25.0)}};

  nlohmann::json f3db = nlohmann::json::array();
  for (const double current_a : currents_a) {
    nlohmann::json point{{"current_a", current_a}};
    if (lane.dead) {
      point["f3db_hz"] = nullptr;
      point["f3db_optical_hz"] = nullptr;
      point["tau_s"] = nullptr;
    } else {
      const OperatingPoint op = ArrayModel::operating_point(lane, Drive{current_a, 0.0, 0.0, true}, config.array, 25.0);
      const double tau_s = op.tau_s;
      point["f3db_hz"] = f3db_hz(tau_s, lane.params.rc_s);
      point["f3db_optical_hz"] = f3db_optical_hz(tau_s, lane.params.rc_s);
      point["tau_s"] = tau_s;
    }
    f3db.push_back(std::move(point));
  }
  j["f3db"] = std::move(f3db);

  // Reference drive, 25 C junction, unaged: the operating point carries exactly that.
  const Drive reference{link.reference_bias_a, link.reference_modulation_a, 0.0, true};
  const OperatingPoint op = ArrayModel::operating_point(lane, reference, config.array, 25.0);
  j["power_w_at_reference"] = op.power_bias_w;
  const LinkResult r = reference_link(config, op);
  j["q_at_reference"] = r.q;
  j["ber_at_reference"] = r.ber;
  // The same drive and bit rate with the DUT case at each temperature and the junction above it
  // by the array's self-heating at that drive.
  nlohmann::json hot = nlohmann::json::array();
  for (std::size_t t = 0; t < junctions_c.size(); ++t) {
    nlohmann::json point{{"dut_c", dut_temperatures_c[t]},
                         {"junction_c", junctions_c[t]},
                         {"electrical_power_w", lane_electrical_power_w(lane.diode, link.reference_bias_a,
                                                                        link.reference_modulation_a, junctions_c[t])}};
    if (lane.dead) {
      point["f3db_hz"] = point["tau_s"] = point["q"] = point["ber"] = nullptr;
    } else {
      const OperatingPoint at = ArrayModel::operating_point(lane, reference, config.array, junctions_c[t]);
      const LinkResult rt = reference_link(config, at);
      point["f3db_hz"] = at.f3db_hz;
      point["tau_s"] = at.tau_s;
      point["q"] = rt.q;
      point["ber"] = rt.ber;
    }
    hot.push_back(std::move(point));
  }
  j["at_temperature"] = std::move(hot);
  j["alpha_ref_per_h"] = ageing.alpha_ref_per_h;
  if (std::isfinite(ageing.failure_stress_h)) {
    j["early_failure"] = {{"stress_h", ageing.failure_stress_h}, {"remaining_fraction", ageing.failure_remaining}};
  } else {
    j["early_failure"] = nullptr;
  }
  return j;
}

}  // namespace

nlohmann::json truth(const Bench& bench, std::span<const double> currents_a,
                     std::span<const double> dut_temperatures_c) {
  const BenchConfig& c = bench.config();
  const Drive reference{c.link.reference_bias_a, c.link.reference_modulation_a, 0.0, true};
  std::vector<double> junctions_c;
  nlohmann::json temperatures = nlohmann::json::array();
  for (const double dut_c : dut_temperatures_c) {
    junctions_c.push_back(dut_c + bench.array().self_heating_c(reference, c.array, dut_c));
    temperatures.push_back({{"dut_c", dut_c},
                            {"junction_c", junctions_c.back()},
                            {"electrical_power_w", bench.array().electrical_power_w(reference, junctions_c.back())}});
  }
  nlohmann::json j;
  j["format"] = "ledlab-sim-truth";
  j["version"] = kTruthFormatVersion;
  j["seed"] = c.seed;
  j["duts"] = bench.array().duts();
  j["rows"] = bench.array().rows();
  j["cols"] = bench.array().cols();
  j["reference"] = {{"junction_c", 25.0},
                    {"bias_current_a", c.link.reference_bias_a},
                    {"modulation_current_a", c.link.reference_modulation_a},
                    {"bit_rate_hz", c.link.reference_bit_rate_hz},
                    {"prbs_order", 31},
                    {"note", "f3db at 25 C junction; power at the reference bias, unmodulated, unaged; "
                             "at_temperature: the reference drive and bit rate with the DUT case at dut_c "
                             "and the junction at dut_c + the array's self-heating at that drive"}};
  j["temperatures"] = std::move(temperatures);
  j["models"] = {
      {"f3db", "electrical -3 dB, |H|^2 = 1/2, H = 1/((1 + j 2 pi f tau)(1 + j 2 pi f rc))"},
      {"f3db_optical", "|H| = 1/2"},
      {"recombination_temperature", {{"formula", "X(T_j) = X(25 C) (T_j / 298.15 K)^n for X = A, B, C"},
                                     {"a_exponent", c.array.a_temperature_exponent},
                                     {"b_exponent", c.array.b_temperature_exponent},
                                     {"c_exponent", c.array.c_temperature_exponent}}},
      {"thermal_droop", {{"formula", "P(T)/P(25) = exp(ln(f85) (T_j - 25) / 60)"},
                         {"fraction_of_25c_output_at_85c", c.array.fraction_of_25c_output_at_85c}}},
      {"self_heating", {{"formula", "T_j = T_case + R_th x sum over every lane (dead ones conduct) of the mean over "
                                    "the NRZ levels of I V(I, T_j), solved for T_j"},
                        {"thermal_resistance_c_per_w", c.array.array_thermal_resistance_c_per_w}}},
      {"diode", {{"formula", "I = I0(T) (exp(V_j / (n k T / q)) - 1) + V_j / R_sh, V = V_j + I R_s(T), "
                             "I0(T) = I0(25 C) (T / 298.15 K)^3 exp(-(E_g / (n k)) (1/T - 1/298.15 K)), "
                             "R_s(T) = R_s(25 C) (1 + r (T_j - 25 C)); per lane in lanes[].diode"}}},
      {"ber", {{"formula", "BER = 0.5 erfc(Q/sqrt2), Q = R OMA_rx eye / (sigma1 + sigma0)"},
               {"coupling", c.link.coupling},
               {"responsivity_a_per_w", c.link.responsivity_a_per_w},
               {"noise_a_per_sqrt_hz", c.link.noise_a_per_sqrt_hz},
               {"noise_bandwidth_per_bit_rate", c.link.noise_bandwidth_per_bit_rate},
               {"low_cutoff_hz", c.link.low_cutoff_hz}}},
      {"ageing", {{"formula", "P/P0 = exp(-alpha t), alpha = alpha_ref exp(-Ea/k (1/T_j - 1/T_ref)) (I/I_ref)^n"},
                  {"activation_energy_ev", c.ageing.activation_energy_ev},
                  {"reference_junction_c", c.ageing.reference_junction_c},
                  {"reference_current_a", c.ageing.reference_current_a},
                  {"current_exponent", c.ageing.current_exponent},
                  {"early_failure", "after stress_h equivalent hours at reference stress"}}},
  };
  nlohmann::json lanes = nlohmann::json::array();
  for (const Lane& lane : bench.array().lanes()) {
    lanes.push_back(lane_truth(c, lane, bench.lane_ageing(static_cast<std::size_t>(lane.index)), currents_a,
                               junctions_c, dut_temperatures_c));
  }
  j["lanes"] = std::move(lanes);
  return j;
}

}  // namespace ledlab::sim
