// Every command of every dialect of every kind, formatted with the placeholders its driver
// fills, at a representative value and at both ends of the value's range, must come out as a
// well-formed SCPI program message: no placeholder left or misspelt, a header, numbers finite.
// A table entry with a typo'd placeholder ("SETP {cc:.1f}") fails here, before any run.
#include "instruments/bert/bert.hpp"
#include "instruments/optical_switch/optical_switch.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/power_meter/power_meter.hpp"
#include "instruments/smu/smu.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include <catch2/catch.hpp>
#include <fmt/args.h>
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <functional>
#include <string>
#include <vector>

using namespace ledlab::instruments;

namespace {

using Args = fmt::dynamic_format_arg_store<fmt::format_context>;
// The placeholders a driver fills for one command, at one point of their ranges.
using ArgsAt = std::function<void(Args&, int point)>;  // point 0: typical, 1: low end, 2: high end
constexpr int kPoints = 3;

template <class T>
T pick(int point, T typical, T low, T high) {
  return point == 0 ? typical : point == 1 ? low : high;
}

bool numeric_start(char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.'; }

// What is wrong with `format` filled by `args`, or empty. A fragment (a piece the driver joins
// into a command) needs no header of its own.
std::string problem_with(std::string_view format, const Args& args, bool fragment = false) {
  std::string out;
  try {
    out = fmt::vformat(fmt::string_view(format.data(), format.size()), args);
  } catch (const fmt::format_error& e) {
    return fmt::format("'{}' does not format: {}", format, e.what());
  }
  if (out.find_first_of("{}") != std::string::npos) return fmt::format("'{}' leaves a brace: '{}'", format, out);
  const bool header_start = !out.empty() && (std::isalpha(static_cast<unsigned char>(out[0])) || out[0] == ':' || out[0] == '*');
  if (!fragment && !header_start)
    return fmt::format("'{}' has no header: '{}'", format, out);
  if (out.empty() || std::isspace(static_cast<unsigned char>(out.back()))) return fmt::format("'{}' ends in white space", format);
  for (char c : out)
    if (std::iscntrl(static_cast<unsigned char>(c))) return fmt::format("'{}' holds a control character", format);
  // The program data: after the header, each token that starts like a number must be one, and
  // finite (a unit suffix such as NM may follow it).
  const std::size_t space = fragment ? 0 : out.find(' ');
  if (space == std::string::npos) return {};
  std::string data = out.substr(fragment ? 0 : space + 1);
  for (char& c : data)
    if (c == ',' || c == ';' || c == '(' || c == ')' || c == '@' || c == '!' || c == ':') c = ' ';
  std::size_t i = 0;
  while (i < data.size()) {
    const std::size_t end = std::min(data.find(' ', i), data.size());
    const std::string token = data.substr(i, end - i);
    i = end + 1;
    if (token.empty() || !numeric_start(token[0])) {
      std::string lower;
      for (char c : token) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "nan" || lower == "inf" || lower == "-inf") return fmt::format("'{}' sends '{}'", format, out);
      continue;
    }
    double v = 0;
    const char* first = token.data() + (token[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(first, token.data() + token.size(), v);
    if (ec != std::errc{} || !std::isfinite(v)) return fmt::format("'{}' sends a malformed number in '{}'", format, out);
    for (; ptr != token.data() + token.size(); ++ptr)
      if (!std::isalpha(static_cast<unsigned char>(*ptr))) return fmt::format("'{}' sends '{}' as a number", format, token);
  }
  return {};
}

struct Command {
  const char* field;
  std::string_view format;
  ArgsAt args;
  bool fragment = false;
};

// Formats every non-empty command at every point; returns the problems, "driver.field: ...".
std::vector<std::string> check_all(std::string_view driver, const std::vector<Command>& commands) {
  std::vector<std::string> problems;
  for (const auto& c : commands) {
    if (c.format.empty()) continue;  // the model lacks the feature
    for (int point = 0; point < kPoints; ++point) {
      Args args;
      c.args(args, point);
      if (auto p = problem_with(c.format, args, c.fragment); !p.empty()) problems.push_back(fmt::format("{}.{}: {}", driver, c.field, p));
    }
  }
  return problems;
}

// ---- what each kind's driver fills (see the placeholders in each dialect struct's comment)

ArgsAt chamber_values(const ThermalChamberDialect& d) {
  return [&d](Args& a, int p) {
    a.push_back(fmt::arg("c", pick(p, 25.0, d.min_setpoint_c, d.max_setpoint_c)));
    a.push_back(fmt::arg("rate", pick(p, 5.0, 0.0, 1e4)));
    a.push_back(fmt::arg("window", pick(p, 0.5, 0.01, 100.0)));
    a.push_back(fmt::arg("s", pick(p, 60.0, 0.0, 1e7)));
  };
}

std::vector<Command> commands_of(const ThermalChamberDialect& d) {
  const ArgsAt v = chamber_values(d);
  const ArgsAt none = [](Args&, int) {};
  const ArgsAt flow = [](Args& a, int p) {
    a.push_back(fmt::arg("on", p == 1 ? 0 : 1));
    a.push_back(fmt::arg("onoff", p == 1 ? "OFF" : "ON"));
  };
  return {{"select_setpoint", d.select_setpoint, none}, {"set_setpoint", d.set_setpoint, v},
          {"get_setpoint", d.get_setpoint, none},       {"read_air", d.read_air, none},
          {"read_dut", d.read_dut, none},               {"set_ramp", d.set_ramp, v},
          {"set_window", d.set_window, v},              {"set_soak", d.set_soak, v},
          {"at_temperature", d.at_temperature, none},   {"read_alarms", d.read_alarms, none},
          {"clear_alarms", d.clear_alarms, none},       {"set_flow", d.set_flow, flow},
          {"set_upper_limit", d.set_upper_limit, v},    {"set_lower_limit", d.set_lower_limit, v},
          {"get_upper_limit", d.get_upper_limit, none}, {"get_lower_limit", d.get_lower_limit, none}};
}

std::vector<Command> commands_of(const BertDialect& d) {
  // Bert::format fills every placeholder in every command; rates and times go out as %.12g.
  const ArgsAt all = [](Args& a, int p) {
    a.push_back(fmt::arg("lane", pick(p, 1, 1, 400)));
    a.push_back(fmt::arg("hz", fmt::format("{:.12g}", pick(p, 2e9, 1e6, 64e9))));
    a.push_back(fmt::arg("s", fmt::format("{:.12g}", pick(p, 1.0, 1e-3, 1e6))));
    a.push_back(fmt::arg("n", pick<std::uint64_t>(p, 1'000'000'000, 1, Bert::kMaxGateBits)));
    a.push_back(fmt::arg("pattern", pick<std::string_view>(p, "PRBS31", "PRBS7", "PRBS31")));
  };
  return {{"lane_count", d.lane_count, all},           {"set_bit_rate", d.set_bit_rate, all},
          {"set_source_pattern", d.set_source_pattern, all}, {"set_sense_pattern", d.set_sense_pattern, all},
          {"set_gate_time", d.set_gate_time, all},     {"set_gate_bits", d.set_gate_bits, all},
          {"gate_on", d.gate_on, all},                 {"gate_off", d.gate_off, all},
          {"gate_state", d.gate_state, all},           {"read_errors", d.read_errors, all},
          {"read_bits", d.read_bits, all},             {"read_ratio", d.read_ratio, all},
          {"read_amplitude", d.read_amplitude, all},   {"read_all_errors", d.read_all_errors, all},
          {"read_all_bits", d.read_all_bits, all},     {"read_all_amplitudes", d.read_all_amplitudes, all}};
}

std::vector<Command> commands_of(const PowerMeterDialect& d) {
  const ArgsAt ch = [](Args& a, int p) { a.push_back(fmt::arg("ch", pick(p, 1, 1, 400))); };
  const ArgsAt nm = [ch](Args& a, int p) {
    ch(a, p);
    a.push_back(fmt::arg("nm", pick(p, 850.0, 0.001, 1e5)));
  };
  const ArgsAt n = [ch](Args& a, int p) {
    ch(a, p);
    a.push_back(fmt::arg("n", pick(p, 10, 1, 1'000'000)));
  };
  const ArgsAt none = [](Args&, int) {};
  return {{"set_wavelength", d.set_wavelength, nm}, {"set_unit_watt", d.set_unit_watt, ch},
          {"set_autorange", d.set_autorange, ch},   {"set_averaging", d.set_averaging, n},
          {"read_power", d.read_power, ch},         {"read_all", d.read_all, none},
          {"channel_count", d.channel_count, none}};
}

std::vector<Command> commands_of(const PatternGeneratorDialect& d) {
  // PatternGenerator::send fills every placeholder; numbers go out as %.9g.
  const ArgsAt all = [](Args& a, int p) {
    a.push_back(fmt::arg("v", fmt::format("{:.9g}", pick(p, 1.0, -10.0, 10.0))));
    a.push_back(fmt::arg("a", fmt::format("{:.9g}", pick(p, 0.01, 0.0, 0.2))));
    a.push_back(fmt::arg("hz", fmt::format("{:.9g}", pick(p, 1e6, 1e-3, 3e7))));
    a.push_back(fmt::arg("ohm", fmt::format("{:.9g}", pick(p, 50.0, 1.0, 1e4))));
    a.push_back(fmt::arg("function", pick<std::string_view>(p, "SQU", "SIN", "DC")));
  };
  return {{"set_function", d.set_function, all},     {"set_frequency", d.set_frequency, all},
          {"set_amplitude", d.set_amplitude, all},   {"set_offset", d.set_offset, all},
          {"set_load", d.set_load, all},             {"output_on", d.output_on, all},
          {"output_off", d.output_off, all},         {"set_bias_current", d.set_bias_current, all},
          {"set_modulation_current", d.set_modulation_current, all}};
}

std::vector<Command> commands_of(const SmuDialect& d) {
  // Smu::format fills every placeholder.
  const ArgsAt all = [](Args& a, int p) {
    a.push_back(fmt::arg("ch", pick(p, 1, 1, 400)));
    a.push_back(fmt::arg("a", pick(p, 1e-3, -10.0, 10.0)));
    a.push_back(fmt::arg("v", pick(p, 2.0, -210.0, 210.0)));
    a.push_back(fmt::arg("first", 1));
    a.push_back(fmt::arg("last", pick(p, 4, 1, 400)));
  };
  return {{"source_current_mode", d.source_current_mode, all}, {"source_voltage_mode", d.source_voltage_mode, all},
          {"set_current", d.set_current, all},                 {"set_voltage", d.set_voltage, all},
          {"set_compliance_v", d.set_compliance_v, all},       {"set_compliance_a", d.set_compliance_a, all},
          {"output_on", d.output_on, all},                     {"output_off", d.output_off, all},
          {"setup", d.setup, all},                             {"measure", d.measure, all},
          {"measure_voltage", d.measure_voltage, all},         {"measure_current", d.measure_current, all},
          {"measure_range", d.measure_range, all},             {"channel_count", d.channel_count, all}};
}

std::vector<Command> commands_of(const OpticalSwitchDialect& d) {
  // OpticalSwitch::format_route / format_route_many / format_routed_input.
  const ArgsAt one = [](Args& a, int p) {
    const int in = pick(p, 3, 1, 26), out = pick(p, 2, 1, 1000);
    a.push_back(fmt::arg("in", in));
    a.push_back(fmt::arg("out", out));
    a.push_back(fmt::arg("egress", 26 + out));
    a.push_back(fmt::arg("in_letter", std::string(1, static_cast<char>('A' + in - 1))));
  };
  const ArgsAt many = [](Args& a, int p) {
    a.push_back(fmt::arg("ins", pick<std::string_view>(p, "1,2", "1", "1,26")));
    a.push_back(fmt::arg("outs", pick<std::string_view>(p, "3,4", "1", "1,1000")));
    a.push_back(fmt::arg("egresses", pick<std::string_view>(p, "29,30", "27", "27,1026")));
    a.push_back(fmt::arg("pairs", pick<std::string_view>(p, "1!3,2!4", "1!1", "1!1,26!1000")));
  };
  const ArgsAt none = [](Args&, int) {};
  return {{"size_inputs", d.size_inputs, none}, {"size_outputs", d.size_outputs, none},
          {"route", d.route, one},              {"route_many", d.route_many, many},
          {"route_pair", d.route_pair, one, true}, {"routed_input", d.routed_input, one},
          {"open_all", d.open_all, none}};
}

template <class Find>
void check_kind(const std::vector<std::string>& names, Find find, std::vector<std::string>& problems) {
  for (const auto& name : names) {
    const auto* d = find(name);
    REQUIRE(d != nullptr);
    for (auto& p : check_all(name, commands_of(*d))) problems.push_back(std::move(p));
  }
}

}  // namespace

TEST_CASE("every command of every dialect of every kind formats as a well-formed program message") {
  std::vector<std::string> problems;
  check_kind(thermal_chamber_dialect_names(), find_thermal_chamber_dialect, problems);
  check_kind(bert_dialect_names(), find_bert_dialect, problems);
  check_kind(power_meter_dialect_names(), find_power_meter_dialect, problems);
  check_kind(pattern_generator_dialect_names(), find_pattern_generator_dialect, problems);
  check_kind(smu_dialect_names(), find_smu_dialect, problems);
  check_kind(optical_switch_dialect_names(), find_optical_switch_dialect, problems);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
}

TEST_CASE("a typo'd placeholder, a stray brace, an empty header or a NaN in a table entry is reported") {
  const ThermalChamberDialect* d = find_thermal_chamber_dialect("thermostream");
  REQUIRE(d != nullptr);
  const ArgsAt v = chamber_values(*d);
  auto check = [&](std::string_view format) { return check_all("thermostream", {{"set_setpoint", format, v}}); };
  CHECK(check("SETP {c:.1f}").empty());
  CHECK_THAT(check("SETP {cc:.1f}").at(0), Catch::Contains("does not format"));
  CHECK_THAT(check("SETP {c:.1f}}}").at(0), Catch::Contains("leaves a brace"));
  CHECK_THAT(check(" {c:.1f}").at(0), Catch::Contains("no header"));
  CHECK_THAT(check("SETP {c:.1f}abc1").at(0), Catch::Contains("as a number"));
  Args nan;
  nan.push_back(fmt::arg("c", std::numeric_limits<double>::quiet_NaN()));
  CHECK_THAT(problem_with("SETP {c}", nan), Catch::Contains("sends"));
}
