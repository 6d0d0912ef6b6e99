#include "engine/bench_settings.hpp"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <string_view>

namespace ledlab::engine {
namespace {

// One entry per settable physics parameter: "[bench.<section>] <name> = value".
struct Field {
  std::string_view section;
  std::string_view name;
  std::function<void(sim::BenchConfig&, double)> set;
};

template <class T>
void assign(T& field, double v) {
  field = static_cast<T>(v);
}

#define FIELD(sec, name) Field{#sec, #name, [](sim::BenchConfig& c, double v) { assign(c.sec.name, v); }}

const std::vector<Field>& fields() {
  static const std::vector<Field> table{
    FIELD(array, rows),
    FIELD(array, cols),
    FIELD(array, a_per_s),
    FIELD(array, b_cm3_per_s),
    FIELD(array, c_cm6_per_s),
    FIELD(array, diameter_um),
    FIELD(array, active_thickness_nm),
    FIELD(array, rc_s),
    FIELD(array, extraction),
    FIELD(array, wavelength_nm),
    FIELD(array, a_spread_ln),
    FIELD(array, b_spread_ln),
    FIELD(array, c_spread_ln),
    FIELD(array, rc_spread_ln),
    FIELD(array, extraction_spread_ln),
    FIELD(array, dead_probability),
    FIELD(array, weak_probability),
    FIELD(array, weak_power_min),
    FIELD(array, weak_power_max),
    FIELD(array, fraction_of_25c_output_at_85c),
    FIELD(array, forward_voltage_v),
    FIELD(array, series_resistance_ohm),
    FIELD(array, array_thermal_resistance_c_per_w),
    FIELD(link, coupling),
    FIELD(link, responsivity_a_per_w),
    FIELD(link, noise_a_per_sqrt_hz),
    FIELD(link, noise_bandwidth_per_bit_rate),
    FIELD(link, low_cutoff_hz),
    FIELD(link, reference_bit_rate_hz),
    FIELD(link, reference_bias_a),
    FIELD(link, reference_modulation_a),
    FIELD(chamber, ambient_c),
    FIELD(chamber, initial_c),
    FIELD(chamber, min_setpoint_c),
    FIELD(chamber, max_setpoint_c),
    FIELD(chamber, max_ramp_c_per_min),
    FIELD(chamber, time_constant_s),
    FIELD(chamber, overshoot_fraction),
    FIELD(chamber, passive_time_constant_s),
    FIELD(chamber, dut_time_constant_s),
    FIELD(chamber, sensor_noise_c),
    FIELD(chamber, window_c),
    FIELD(chamber, over_temperature_limit_c),
    FIELD(chamber, max_substep_s),
    FIELD(ageing, alpha_ref_per_h),
    FIELD(ageing, alpha_spread_ln),
    FIELD(ageing, weak_alpha_factor),
    FIELD(ageing, activation_energy_ev),
    FIELD(ageing, reference_junction_c),
    FIELD(ageing, reference_current_a),
    FIELD(ageing, current_exponent),
    FIELD(ageing, early_failure_probability),
    FIELD(ageing, early_failure_mean_h),
    FIELD(ageing, failure_remaining_min),
    FIELD(ageing, failure_remaining_max),
    FIELD(meter, relative_noise),
    FIELD(meter, absolute_noise_w),
  };
  return table;
}
#undef FIELD

}  // namespace

Result<sim::BenchConfig> bench_config_from_json(const nlohmann::json& bench, std::string_view source) {
  sim::BenchConfig config;
  if (bench.is_null()) return config;
  if (!bench.is_object()) return fail(Errc::config, fmt::format("{}: [bench] must be a table", source));
  for (const auto& [key, value] : bench.items()) {
    if (key == "seed") {
      if (!value.is_number_integer() || value.get<long long>() < 0)
        return fail(Errc::config, fmt::format("{}: bench.seed: expected a non-negative integer", source));
      config.seed = value.get<std::uint64_t>();
      continue;
    }
    if (!value.is_object())
      return fail(Errc::config, fmt::format("{}: bench.{}: unknown key; expected seed or a table "
                                            "[bench.array|link|chamber|ageing|meter]", source, key));
    for (const auto& [name, v] : value.items()) {
      const Field* field = nullptr;
      for (const auto& f : fields())
        if (f.section == key && f.name == name) field = &f;
      if (!field) return fail(Errc::config, fmt::format("{}: bench.{}.{}: unknown parameter", source, key, name));
      if (!v.is_number() || !std::isfinite(v.get<double>()))
        return fail(Errc::config, fmt::format("{}: bench.{}.{}: expected a number", source, key, name));
      field->set(config, v.get<double>());
    }
  }
  if (config.array.rows < 1 || config.array.cols < 1 || config.array.rows * config.array.cols > 100000)
    return fail(Errc::config, fmt::format("{}: bench.array: rows x cols must be 1..100000 lanes", source));
  return config;
}

std::vector<std::string> bench_parameter_names() {
  std::vector<std::string> out;
  for (const auto& f : fields()) out.push_back(fmt::format("{}.{}", f.section, f.name));
  return out;
}

}  // namespace ledlab::engine
