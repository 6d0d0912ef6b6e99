#pragma once
// Arrhenius acceleration across finished burn-ins (REFERENCE.md section 6). Decay rates grow
// with drive current as well as temperature, so runs are fitted only against runs of the same
// DUT type at the same current: one fit per (dut_type, current) group, and a warning naming the
// currents when a DUT type was stressed at several. The temperature of a run is its junction's
// when the run knows it (DUT case plus self-heating: R_th x electrical power), else the measured
// DUT temperature, else the chamber setpoint; a group is fitted on the best basis all its runs
// share, and says which, and whether the junctions' electrical power was measured (an SMU's
// V x I) or assumed (a forward voltage given as a parameter).
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/arrhenius.hpp"
#include "core/error.hpp"

namespace ledlab::analysis {

// Junction = case + R_th x electrical power (the DUT's own heating of its junction).
double junction_temperature_c(double dut_temperature_c, double thermal_resistance_c_per_w, double electrical_power_w);

// Where a run's electrical power (and so its junction temperature) came from; the burn-in's
// array results carry it as extra.electrical_power_basis = "measured" | "assumed".
enum class PowerBasis { unknown, measured, assumed };
PowerBasis power_basis_from(std::string_view text);  // unknown for anything else

struct StressRun {
  std::string run;  // how messages name it (e.g. the run's uuid)
  std::string dut_type;
  double drive_current_a = 0.0;
  double setpoint_c = 0.0;                       // chamber setpoint of the stress
  std::optional<double> dut_temperature_c;       // measured, mean over the stress
  std::optional<double> junction_temperature_c;  // DUT + R_th x power, when the run knew both
  double alpha_per_h = 0.0;                      // the median lane's decay rate at stress (median_lane_alpha_per_h)
  PowerBasis power_basis = PowerBasis::unknown;  // of junction_temperature_c
};

enum class TemperatureBasis { junction, dut, setpoint };
const char* describe(TemperatureBasis basis);

struct StressGroup {
  std::string dut_type;
  double drive_current_a = 0.0;
  std::vector<StressRun> runs;
  TemperatureBasis basis = TemperatureBasis::setpoint;
  // The basis in words, with the power's origin on a junction basis: "junction temperature
  // (DUT + R_th x measured electrical power)", "... assumed ...", or how many runs were which.
  std::string basis_text;
  std::vector<StressPoint> points;  // at the basis temperature, in the order of `runs`
  std::optional<ArrheniusFit> fit;  // empty when the group cannot be fitted (see note)
  std::string note;
  std::vector<std::string> warnings;  // the fit's, and a basis some runs could have done better
};

struct ArrheniusAcrossRuns {
  std::vector<StressGroup> groups;    // by dut_type, then current
  std::vector<std::string> warnings;  // mixed currents within a DUT type
};

// Currents within this relative difference are one current (a parameter typed twice).
inline constexpr double kSameCurrentRelative = 1e-3;

// Groups the runs and fits each group with at least two runs.
ArrheniusAcrossRuns arrhenius_across_runs(std::span<const StressRun> runs, double confidence = 0.95);

// The group a run of this DUT type and current belongs to, if any.
const StressGroup* group_of(const ArrheniusAcrossRuns& all, const std::string& dut_type, double drive_current_a);

}  // namespace ledlab::analysis
