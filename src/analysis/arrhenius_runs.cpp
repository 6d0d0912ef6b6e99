#include "analysis/arrhenius_runs.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace ledlab::analysis {
namespace {

bool same_current(double a, double b) { return std::abs(a - b) <= kSameCurrentRelative * std::max(std::abs(a), std::abs(b)); }

std::string milliamps(double a) { return fmt::format("{:g} mA", a * 1e3); }

TemperatureBasis best_basis(const StressRun& run) {
  if (run.junction_temperature_c) return TemperatureBasis::junction;
  if (run.dut_temperature_c) return TemperatureBasis::dut;
  return TemperatureBasis::setpoint;
}

double temperature_on(const StressRun& run, TemperatureBasis basis) {
  switch (basis) {
    case TemperatureBasis::junction: return *run.junction_temperature_c;
    case TemperatureBasis::dut: return *run.dut_temperature_c;
    case TemperatureBasis::setpoint: break;
  }
  return run.setpoint_c;
}

void fit_group(StressGroup& group, double confidence) {
  // The best basis every run has: junction, DUT, setpoint are ordered best first.
  group.basis = TemperatureBasis::junction;
  for (const StressRun& run : group.runs) group.basis = std::max(group.basis, best_basis(run));
  std::size_t better = 0;
  for (const StressRun& run : group.runs) {
    group.points.push_back({temperature_on(run, group.basis), run.alpha_per_h});
    better += best_basis(run) < group.basis;
  }
  if (better > 0)
    group.warnings.push_back(fmt::format("{} of {} runs know a better temperature than the {}; all are fitted on the "
                                         "{} so that they compare",
                                         better, group.runs.size(), describe(group.basis), describe(group.basis)));
  if (group.basis != TemperatureBasis::junction)
    group.warnings.push_back(fmt::format(
        "fitted on the {}, not the junction: the array's self-heating makes the junction hotter, which biases Ea "
        "(give thermal_resistance_c_per_w, with an SMU on the station or forward_voltage_v, to fit on the junction)",
        describe(group.basis)));
  group.basis_text = describe(group.basis);
  if (group.basis == TemperatureBasis::junction) {
    std::size_t measured = 0, assumed = 0;
    for (const StressRun& run : group.runs) {
      measured += run.power_basis == PowerBasis::measured;
      assumed += run.power_basis == PowerBasis::assumed;
    }
    const std::size_t n = group.runs.size();
    if (measured == n) {
      group.basis_text += " (DUT + R_th x measured electrical power)";
    } else if (assumed == n) {
      group.basis_text += " (DUT + R_th x assumed electrical power)";
    } else {
      group.basis_text += fmt::format(" (DUT + R_th x electrical power: measured in {}, assumed in {}, not stated in {} of {} runs)",
                                      measured, assumed, n - measured - assumed, n);
    }
    if (measured < n)
      group.warnings.push_back(fmt::format(
          "the junction temperature of {} of {} runs rests on an assumed or unstated electrical power (a forward voltage "
          "given, not measured): an SMU on the station measures it",
          n - measured, n));
  }
  auto fit = fit_arrhenius(group.points, confidence);
  if (!fit) {
    group.note = fit.error().message;
    return;
  }
  for (const auto& w : fit->warnings) group.warnings.push_back(w);
  group.fit = std::move(*fit);
}

}  // namespace

PowerBasis power_basis_from(std::string_view text) {
  if (text == "measured") return PowerBasis::measured;
  if (text == "assumed") return PowerBasis::assumed;
  return PowerBasis::unknown;
}

double junction_temperature_c(double dut_temperature_c, double thermal_resistance_c_per_w, double electrical_power_w) {
  return dut_temperature_c + thermal_resistance_c_per_w * electrical_power_w;
}

const char* describe(TemperatureBasis basis) {
  switch (basis) {
    case TemperatureBasis::junction: return "junction temperature";
    case TemperatureBasis::dut: return "measured DUT temperature";
    case TemperatureBasis::setpoint: return "chamber setpoint";
  }
  return "?";
}

ArrheniusAcrossRuns arrhenius_across_runs(std::span<const StressRun> runs, double confidence) {
  ArrheniusAcrossRuns out;
  for (const StressRun& run : runs) {
    auto group = std::find_if(out.groups.begin(), out.groups.end(), [&](const StressGroup& g) {
      return g.dut_type == run.dut_type && same_current(g.drive_current_a, run.drive_current_a);
    });
    if (group == out.groups.end()) {
      out.groups.push_back({.dut_type = run.dut_type, .drive_current_a = run.drive_current_a});
      group = out.groups.end() - 1;
    }
    group->runs.push_back(run);
  }
  std::stable_sort(out.groups.begin(), out.groups.end(), [](const StressGroup& a, const StressGroup& b) {
    return a.dut_type != b.dut_type ? a.dut_type < b.dut_type : a.drive_current_a < b.drive_current_a;
  });
  for (std::size_t i = 0; i < out.groups.size();) {
    std::size_t j = i;
    std::string currents;
    while (j < out.groups.size() && out.groups[j].dut_type == out.groups[i].dut_type) {
      currents += (j > i ? ", " : "") + milliamps(out.groups[j].drive_current_a);
      ++j;
    }
    if (j - i > 1)
      out.warnings.push_back(fmt::format("dut_type '{}' was stressed at {} currents ({}): decay grows with current, so "
                                         "each current is fitted on its own, never together",
                                         out.groups[i].dut_type, j - i, currents));
    i = j;
  }
  for (StressGroup& group : out.groups) fit_group(group, confidence);
  return out;
}

const StressGroup* group_of(const ArrheniusAcrossRuns& all, const std::string& dut_type, double drive_current_a) {
  for (const StressGroup& g : all.groups)
    if (g.dut_type == dut_type && same_current(g.drive_current_a, drive_current_a)) return &g;
  return nullptr;
}

}  // namespace ledlab::analysis
