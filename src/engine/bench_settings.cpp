#include "engine/bench_settings.hpp"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <string_view>
#include <type_traits>

namespace ledlab::engine {
namespace {

// One entry per settable physics parameter: "[bench.<section>] <name> = value", with the range
// it must lie in (lo excluded when lo_open; whole numbers where `whole`). The ranges keep the
// model finite and its loops bounded (a time constant of 0 would divide by zero), not
// physically plausible: that is the lab's to judge.
struct Field {
  std::string_view section;
  std::string_view name;
  double lo;
  bool lo_open;
  double hi;
  bool whole;
  std::function<void(sim::BenchConfig&, double)> set;
};

template <class T>
void assign(T& field, double v) {
  field = static_cast<T>(v);
}

constexpr double kBig = 1e30;  // "any finite size" for coefficients quoted in cm units

#define FIELD(sec, name, lo, lo_open, hi) \
  Field{#sec, #name, lo, lo_open, hi, std::is_integral_v<decltype(sim::BenchConfig{}.sec.name)>, \
        [](sim::BenchConfig& c, double v) { assign(c.sec.name, v); }}
#define POSITIVE(sec, name) FIELD(sec, name, 0.0, true, kBig)
#define NON_NEGATIVE(sec, name) FIELD(sec, name, 0.0, false, kBig)
#define FRACTION(sec, name) FIELD(sec, name, 0.0, false, 1.0)
#define CELSIUS(sec, name) FIELD(sec, name, -273.15, false, 1000.0)

const std::vector<Field>& fields() {
  static const std::vector<Field> table{
    FIELD(array, rows, 1, false, 100000),
    FIELD(array, cols, 1, false, 100000),
    NON_NEGATIVE(array, a_per_s),
    NON_NEGATIVE(array, b_cm3_per_s),
    NON_NEGATIVE(array, c_cm6_per_s),
    POSITIVE(array, diameter_um),
    POSITIVE(array, active_thickness_nm),
    POSITIVE(array, rc_s),
    FRACTION(array, extraction),
    POSITIVE(array, wavelength_nm),
    FIELD(array, a_spread_ln, 0, false, 10),
    FIELD(array, b_spread_ln, 0, false, 10),
    FIELD(array, c_spread_ln, 0, false, 10),
    FIELD(array, rc_spread_ln, 0, false, 10),
    FIELD(array, extraction_spread_ln, 0, false, 10),
    FRACTION(array, dead_probability),
    FRACTION(array, weak_probability),
    FRACTION(array, weak_power_min),
    FRACTION(array, weak_power_max),
    FIELD(array, a_temperature_exponent, -10, false, 10),
    FIELD(array, b_temperature_exponent, -10, false, 10),
    FIELD(array, c_temperature_exponent, -10, false, 10),
    FIELD(array, fraction_of_25c_output_at_85c, 0, true, 10),
    NON_NEGATIVE(array, array_thermal_resistance_c_per_w),
    FRACTION(link, coupling),
    NON_NEGATIVE(link, responsivity_a_per_w),
    NON_NEGATIVE(link, noise_a_per_sqrt_hz),
    POSITIVE(link, noise_bandwidth_per_bit_rate),
    NON_NEGATIVE(link, low_cutoff_hz),
    POSITIVE(link, reference_bit_rate_hz),
    NON_NEGATIVE(link, reference_bias_a),
    NON_NEGATIVE(link, reference_modulation_a),
    CELSIUS(chamber, ambient_c),
    CELSIUS(chamber, initial_c),
    CELSIUS(chamber, min_setpoint_c),
    CELSIUS(chamber, max_setpoint_c),
    FIELD(chamber, max_ramp_c_per_min, 0, true, 1e4),
    FIELD(chamber, time_constant_s, 1e-3, false, 1e7),
    FRACTION(chamber, overshoot_fraction),
    FIELD(chamber, passive_time_constant_s, 1e-3, false, 1e7),
    FIELD(chamber, dut_time_constant_s, 1e-3, false, 1e7),
    FIELD(chamber, sensor_noise_c, 0, false, 100),
    FIELD(chamber, window_c, 0, true, 100),
    CELSIUS(chamber, over_temperature_limit_c),
    FIELD(chamber, max_substep_s, 1e-3, false, 3600),
    NON_NEGATIVE(ageing, alpha_ref_per_h),
    FIELD(ageing, alpha_spread_ln, 0, false, 10),
    NON_NEGATIVE(ageing, weak_alpha_factor),
    FIELD(ageing, activation_energy_ev, 0, false, 10),
    CELSIUS(ageing, reference_junction_c),
    POSITIVE(ageing, reference_current_a),
    FIELD(ageing, current_exponent, 0, false, 10),
    FRACTION(ageing, early_failure_probability),
    POSITIVE(ageing, early_failure_mean_h),
    FRACTION(ageing, failure_remaining_min),
    FRACTION(ageing, failure_remaining_max),
    FIELD(meter, relative_noise, 0, false, 1),
    NON_NEGATIVE(meter, absolute_noise_w),
    FIELD(diode, ideality, 0.5, false, 20),
    FIELD(diode, junction_voltage_at_1ma_v, 0, true, 20),
    FIELD(diode, bandgap_ev, 0, true, 10),
    NON_NEGATIVE(diode, series_resistance_ohm),
    FIELD(diode, series_resistance_per_c, -0.005, false, 0.1),
    POSITIVE(diode, shunt_resistance_ohm),
    FIELD(diode, saturation_current_spread_ln, 0, false, 10),
    FIELD(diode, series_resistance_spread_ln, 0, false, 10),
    FIELD(diode, shunt_resistance_spread_ln, 0, false, 10),
    FIELD(diode, voltage_noise_v, 0, false, 10),
    FIELD(diode, current_noise_relative, 0, false, 1),
    FIELD(bert, amplitude_relative_noise, 0, false, 1),
    NON_NEGATIVE(bert, amplitude_absolute_noise_w),
  };
  return table;
}
#undef CELSIUS
#undef FRACTION
#undef NON_NEGATIVE
#undef POSITIVE
#undef FIELD

// Keys of an older bench, refused with their replacement: the array's electrical power now comes
// from each lane's diode ([bench.diode]), so a station file setting the old straight-line V_f
// must be moved over by hand (the two models do not map one to one).
struct RetiredKey {
  std::string_view section;
  std::string_view name;
  std::string_view replacement;
};
constexpr RetiredKey kRetiredKeys[] = {
    {"array", "forward_voltage_v",
     "bench.diode.junction_voltage_at_1ma_v (with ideality and bandgap_ev; self-heating now uses each lane's diode)"},
    {"array", "series_resistance_ohm", "bench.diode.series_resistance_ohm (with series_resistance_per_c)"},
};

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
    if (key == "duts") {
      // Arrays of [bench.array] in the one chamber (a station's DUT sockets).
      if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 64)
        return fail(Errc::config, fmt::format("{}: bench.duts: expected a whole number 1 .. 64", source));
      config.duts = value.get<int>();
      continue;
    }
    if (!value.is_object())
      return fail(Errc::config, fmt::format("{}: bench.{}: unknown key; expected seed, duts or a table "
                                            "[bench.array|link|chamber|ageing|meter|bert|diode]", source, key));
    for (const auto& [name, v] : value.items()) {
      for (const auto& retired : kRetiredKeys)
        if (retired.section == key && retired.name == name)
          return fail(Errc::config, fmt::format("{}: bench.{}.{}: no longer a parameter; use {}", source, key, name,
                                                retired.replacement));
      const Field* field = nullptr;
      for (const auto& f : fields())
        if (f.section == key && f.name == name) field = &f;
      if (!field) return fail(Errc::config, fmt::format("{}: bench.{}.{}: unknown parameter", source, key, name));
      if (!v.is_number() || !std::isfinite(v.get<double>()))
        return fail(Errc::config, fmt::format("{}: bench.{}.{}: expected a finite number", source, key, name));
      const double x = v.get<double>();
      // Negated comparisons: NaN is refused too. Checked before the cast to an integer field.
      const bool above = field->lo_open ? x > field->lo : x >= field->lo;
      if (!above || !(x <= field->hi) || (field->whole && x != std::floor(x)))
        return fail(Errc::config, fmt::format("{}: bench.{}.{}: must be {}{} {:g} and <= {:g}, not {}", source, key, name,
                                              field->whole ? "a whole number " : "", field->lo_open ? ">" : ">=",
                                              field->lo, field->hi, x));
      field->set(config, x);
    }
  }
  if (static_cast<long long>(config.array.rows) * config.array.cols > 100000)
    return fail(Errc::config, fmt::format("{}: bench.array: rows x cols must be 1..100000 lanes", source));
  if (static_cast<long long>(config.array.rows) * config.array.cols * config.duts > 100000)
    return fail(Errc::config, fmt::format("{}: bench.duts: {} arrays of {} x {} lanes is above the bench's 100000 lanes",
                                          source, config.duts, config.array.rows, config.array.cols));
  auto ordered = [&](double lo, double hi, std::string_view lo_key, std::string_view hi_key) -> Status {
    if (lo <= hi) return {};
    return fail(Errc::config, fmt::format("{}: bench.{}: {} is above {}", source, lo_key, lo, hi_key));
  };
  if (auto st = ordered(config.array.weak_power_min, config.array.weak_power_max, "array.weak_power_min",
                        "array.weak_power_max"); !st)
    return fail(st.error());
  if (auto st = ordered(config.ageing.failure_remaining_min, config.ageing.failure_remaining_max,
                        "ageing.failure_remaining_min", "ageing.failure_remaining_max"); !st)
    return fail(st.error());
  if (auto st = ordered(config.chamber.min_setpoint_c, config.chamber.max_setpoint_c, "chamber.min_setpoint_c",
                        "chamber.max_setpoint_c"); !st)
    return fail(st.error());
  return config;
}

std::vector<std::string> bench_parameter_names() {
  std::vector<std::string> out;
  for (const auto& f : fields()) out.push_back(fmt::format("{}.{}", f.section, f.name));
  return out;
}

}  // namespace ledlab::engine
