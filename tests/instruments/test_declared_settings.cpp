// Settings declared once (instruments/common/settings_table.hpp): for every kind, settings()
// lists exactly the declared settings, and after a reconnect reapply_settings() sends every
// declared setting that has a value again, each with its dialect command.
#include "instruments/bert/bert.hpp"
#include "instruments/common/dialect_identity.hpp"
#include "instruments/optical_switch/optical_switch.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/smu/smu.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"
#include "tests/instruments/dialect_rig.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace ledlab;
using namespace ledlab::instruments;

namespace {

// "SOUR{ch}:CURR {a}" -> "SOUR*:CURR *": the header with its placeholders as wildcards, then
// the data, so that a query of the same header does not count as the setting.
std::string written_pattern(std::string_view format) {
  const std::size_t space = format.find(' ');
  std::string out;
  bool in_placeholder = false;
  for (char c : format.substr(0, space)) {
    if (c == '{') {
      in_placeholder = true;
      out += '*';
    } else if (c == '}') {
      in_placeholder = false;
    } else if (!in_placeholder) {
      out += c;
    }
  }
  return out + (space == std::string_view::npos ? "" : " *");
}

// Drives each kind to a state where all its settings have values (outputs on, flows set).
void exercise(test::DialectRig& rig) {
  Instrument* d = rig.driver.get();
  if (auto* c = dynamic_cast<ThermalChamber*>(d)) {
    test::require_ok(rig.run(c->set_enabled(true)));
    test::require_ok(rig.run(c->set_setpoint_c(30)));
  } else if (auto* pg = dynamic_cast<PatternGenerator*>(d)) {
    test::require_ok(rig.run(pg->set_drive_a(1e-3, 1e-3)));
    test::require_ok(rig.run(pg->set_output(true)));
  } else if (auto* smu = dynamic_cast<Smu*>(d)) {
    test::require_ok(rig.run(smu->source_current_a(1, 1e-3)));
    test::require_ok(rig.run(smu->set_output(1, true)));
  } else if (auto* sw = dynamic_cast<OpticalSwitch*>(d)) {
    test::require_ok(rig.run(sw->route(1, 2)));
  } else if (auto* bert = dynamic_cast<Bert*>(d)) {
    test::require_ok(rig.run(bert->set_gate_time_s(2)));
  }
}

InstrumentConfig settings_config(const std::string& kind, const std::string& driver) {
  auto c = test::workable_config(kind, driver);
  if (kind == "thermal_chamber") c.options = {{"ramp_c_per_min", 5}, {"window_c", 0.5}, {"soak_s", 10}};
  if (kind == "pattern_generator") c.limits = {{"max_current_a", 0.1}};
  return c;
}

// The dialects whose twin speaks their commands (the twin answers several dialects of a kind).
const std::set<std::string> kTwinDialects{"ledlab-bert", "n4903b",       "ledlab-opm", "ledlab-pg",
                                          "33500b",      "ledlab-smu",   "b2900",      "keithley2400",
                                          "keithley2450", "ledlab-switch", "thermostream", "watlow-f4t"};

}  // namespace

TEST_CASE("after a reconnect every declared setting of every kind is sent again, and settings() lists exactly those") {
  for (const auto& info : DriverRegistry::instance().all()) {
    for (const auto& driver : info.drivers) {
      if (!kTwinDialects.contains(driver)) continue;
      INFO(info.kind << "/" << driver);
      test::DialectRig rig(settings_config(info.kind, driver));
      test::require_ok(rig.run(rig.driver->initialize()));
      exercise(rig);

      const SettingsTable& table = rig.driver->settings_table();
      const nlohmann::json recorded = rig.driver->settings();
      std::set<std::string> declared;
      for (const auto& s : table.all())
        if (!s.value().is_discarded()) declared.insert(s.key);
      std::set<std::string> listed;
      for (const auto& [key, value] : recorded.items()) listed.insert(key);
      CHECK(listed == declared);

      // The link drops; the engine's recovery reconnects and re-applies.
      rig.driver->session().close();
      rig.written->clear();
      test::require_ok(rig.run(rig.driver->reapply_settings()));
      for (const auto& s : table.all()) {
        if (s.command.empty() || (s.due && !s.due())) continue;
        const std::string pattern = written_pattern(s.command);
        INFO("setting " << s.key << " (" << s.command << ") as " << pattern);
        bool sent = false;
        for (const auto& line : *rig.written) sent = sent || matches_pattern(pattern, line);
        CHECK(sent);
      }
    }
  }
}

TEST_CASE("a setting declared twice is refused as a driver bug") {
  SettingsTable t;
  int value = 1;
  t.declare_value("wavelength_nm", "nm", "SENS:CORR:WAV {nm}", value);
  CHECK_THROWS_AS(t.declare_value("wavelength_nm", "nm", "SENS:CORR:WAV {nm}", value), std::logic_error);
  CHECK(t.keys() == std::vector<std::string>{"wavelength_nm"});
  CHECK(t.snapshot() == nlohmann::json{{"wavelength_nm", 1}});
}
