#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "analysis/arrhenius_runs.hpp"

using namespace ledlab::analysis;

namespace {

// alpha of a run at junction T_j and current I: 1e-5 at 85 C and 5 mA, Ea as given, alpha ~ I^2.
double alpha(double ea, double junction_c, double current_a) {
  return 1e-5 * *acceleration_factor(ea, 85, junction_c) * std::pow(current_a / 5e-3, 2);
}

StressRun run(std::string id, double current_a, double dut_c, std::optional<double> junction_c, double ea) {
  return {std::move(id), "uLED-A", current_a, dut_c, dut_c, junction_c, alpha(ea, junction_c.value_or(dut_c), current_a)};
}

}  // namespace

TEST_CASE("runs at different drive currents are fitted apart, with a warning naming the currents") {
  const std::vector<StressRun> runs{run("a", 5e-3, 85, 92.0, 0.7),   run("b", 5e-3, 105, 112.0, 0.7),
                                    run("c", 5e-3, 125, 132.0, 0.7), run("d", 10e-3, 85, 110.0, 0.7),
                                    run("e", 10e-3, 105, 130.0, 0.7)};
  const auto all = arrhenius_across_runs(runs);
  REQUIRE(all.groups.size() == 2);
  REQUIRE(all.warnings.size() == 1);
  CHECK(all.warnings[0].find("5 mA, 10 mA") != std::string::npos);
  const StressGroup* five = group_of(all, "uLED-A", 5e-3);
  REQUIRE(five);
  CHECK(five->runs.size() == 3);
  CHECK(five->basis == TemperatureBasis::junction);
  REQUIRE(five->fit);
  CHECK(five->fit->ea_ev == Approx(0.7).epsilon(1e-3));  // the module's k is the lab's 8.617e-5
  const StressGroup* ten = group_of(all, "uLED-A", 10.0000001e-3);  // the same current, typed again
  REQUIRE(ten);
  REQUIRE(ten->fit);
  CHECK(ten->fit->ea_ev == Approx(0.7).epsilon(1e-3));
  CHECK_FALSE(ten->fit->ea_lo_ev);  // two points
  CHECK_FALSE(group_of(all, "uLED-B", 5e-3));

  // Fitted together, the currents would have given a meaningless Ea.
  std::vector<StressPoint> mixed;
  for (const auto& r : runs) mixed.push_back({*r.junction_temperature_c, r.alpha_per_h});
  CHECK(std::abs(fit_arrhenius(mixed)->ea_ev - 0.7) > 0.1);
}

TEST_CASE("a group falls back to the DUT temperature when one run lacks the junction, and says so") {
  const std::vector<StressRun> runs{run("a", 5e-3, 85, 92.0, 0.6), run("b", 5e-3, 105, std::nullopt, 0.6),
                                    run("c", 5e-3, 125, 132.0, 0.6)};
  const auto all = arrhenius_across_runs(runs);
  REQUIRE(all.groups.size() == 1);
  const StressGroup& g = all.groups[0];
  CHECK(g.basis == TemperatureBasis::dut);
  CHECK(g.points[0].temperature_c == 85);
  bool said = false;
  for (const auto& w : g.warnings) said = said || w.find("2 of 3 runs know a better temperature") != std::string::npos;
  CHECK(said);
  CHECK(all.warnings.empty());
}

TEST_CASE("the junction is the case plus the thermal resistance times the electrical power") {
  CHECK(junction_temperature_c(85, 1.0, 6.6) == Approx(91.6));
  const std::vector<StressRun> one{run("a", 5e-3, 85, std::nullopt, 0.6)};
  const auto all = arrhenius_across_runs(one);
  REQUIRE(all.groups.size() == 1);
  CHECK_FALSE(all.groups[0].fit);
  CHECK(all.groups[0].note.find("two or more temperatures") != std::string::npos);
}

TEST_CASE("a junction basis says whether the electrical power was measured or assumed, and warns of assumed power") {
  std::vector<StressRun> runs{run("a", 5e-3, 85, 92.0, 0.7), run("b", 5e-3, 105, 112.0, 0.7), run("c", 5e-3, 125, 132.0, 0.7)};
  for (auto& r : runs) r.power_basis = power_basis_from("measured");
  {
    const auto all = arrhenius_across_runs(runs);
    const StressGroup& g = all.groups.at(0);
    CHECK(g.basis == TemperatureBasis::junction);
    CHECK(g.basis_text == "junction temperature (DUT + R_th x measured electrical power)");
    for (const auto& w : g.warnings) CHECK(w.find("assumed") == std::string::npos);
  }
  runs[1].power_basis = power_basis_from("assumed");
  runs[2].power_basis = power_basis_from("something else");
  CHECK(runs[2].power_basis == PowerBasis::unknown);
  const auto all = arrhenius_across_runs(runs);
  const StressGroup& g = all.groups.at(0);
  CHECK(g.basis_text == "junction temperature (DUT + R_th x electrical power: measured in 1, assumed in 1, not stated in 1 of 3 runs)");
  bool warned = false;
  for (const auto& w : g.warnings) warned = warned || w.find("2 of 3 runs rests on an assumed or unstated electrical power") != std::string::npos;
  CHECK(warned);
  for (auto& r : runs) r.power_basis = PowerBasis::assumed;
  CHECK(arrhenius_across_runs(runs).groups.at(0).basis_text == "junction temperature (DUT + R_th x assumed electrical power)");
}
