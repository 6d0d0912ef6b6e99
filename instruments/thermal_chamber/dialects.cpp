// Thermal chamber models, one table each (REFERENCE.md 3, "Thermal"). A new model is a new
// table, not new code.
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include "instruments/common/dialect_table.hpp"

#include <array>

namespace ledlab::instruments {
namespace {

constexpr std::array kDialects{
    // inTEST Temptronic ThermoStream (ATS series); the simulated twin speaks this. Settings
    // belong to the setpoint selected with SETN; the driver works on setpoint 0. TECR? bit0
    // is "at temperature" (in the window for the soak time), EROR? bit0 overheat, bit3 low
    // flow, bit4 low air.
    ThermalChamberDialect{
        .driver = "thermostream",
        .description = "inTEST Temptronic ThermoStream",
        .identity = {.manufacturers = "inTEST*|Temptronic*",
                     .models = "ATS*|TP04*",
                     .sample = "inTEST,ATS-710-M,0,1.0",
                     .source = "UNVERIFIED: no public ThermoStream interface manual found; ATS-series model names from inTEST's product pages"},
        .min_setpoint_c = -99.9,
        .max_setpoint_c = 225.0,
        .select_setpoint = "SETN 0",
        .set_setpoint = "SETP {c:.1f}",
        .get_setpoint = "SETP?",
        .read_air = "TMPA?",
        .read_dut = "TMPD?",
        .set_ramp = "RAMP {rate:.1f}",
        .set_window = "WNDW {window:.1f}",
        .set_soak = "SOAK {s:.0f}",
        .at_temperature = "TECR?",
        .at_temperature_mask = 0x1,
        .read_alarms = "EROR?",
        .over_temperature_bit = 0,
        .low_flow_bit = 3,
        .low_air_bit = 4,
        .clear_alarms = "RSTO",  // UNVERIFIED: the reset of latched errors on the real unit
        .set_flow = "FLOW {on}",
        .set_upper_limit = "ULIM {c:.1f}",
        .set_lower_limit = "LLIM {c:.1f}",
        .get_upper_limit = "ULIM?",
        .get_lower_limit = "LLIM?",
    },
    // Watlow F4T controller (SCPI on port 5025) in a climatic chamber: loop 1 is the air.
    // No window, soak, alarm register or limit commands over SCPI: the driver times the soak
    // from readings and enforces the station limits itself. The range depends on the chamber
    // it runs (UNVERIFIED; a typical -70..180 C chamber).
    ThermalChamberDialect{
        .driver = "watlow-f4t",
        .description = "Watlow F4T controller (loop 1 = chamber air)",
        .identity = {.manufacturers = "Watlow*",
                     .models = "F4T*",
                     .sample = "Watlow,F4T,0,1.0",
                     .source = "UNVERIFIED: no public F4T SCPI reference found; the reply of the twin"},
        .min_setpoint_c = -70.0,
        .max_setpoint_c = 180.0,
        .select_setpoint = "",
        .set_setpoint = ":SOURCE:CLOOP1:SPOINT {c:.2f}",
        .get_setpoint = ":SOURCE:CLOOP1:SPOINT?",
        .read_air = ":SOURCE:CLOOP1:PVALUE?",
        .read_dut = "",
        .set_ramp = ":SOURCE:CLOOP1:RRATE {rate:.2f}",
        .set_window = "",
        .set_soak = "",
        .at_temperature = "",
        .at_temperature_mask = 0,
        .read_alarms = "",
        .over_temperature_bit = -1,
        .low_flow_bit = -1,
        .low_air_bit = -1,
        .clear_alarms = "",
        .set_flow = ":OUTPUT1:STATE {onoff}",
        .set_upper_limit = "",
        .set_lower_limit = "",
        .get_upper_limit = "",
        .get_lower_limit = "",
    },
};

}  // namespace

const ThermalChamberDialect* find_thermal_chamber_dialect(std::string_view driver) { return find_dialect(kDialects, driver); }

std::vector<std::string> thermal_chamber_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments
