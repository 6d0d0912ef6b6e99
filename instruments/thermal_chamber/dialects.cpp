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
    // ESPEC chambers with a P-300 or SCP-220 controller, on its RS-232C port (9600 baud, 8N1,
    // CR LF both ways: station address serial:///dev/ttyUSB0?baud=9600&term=crlf). Not IEEE
    // 488.2: every line is answered, setting commands with "OK: ..." or "NA:reason".
    // Sources: ESPEC P-300 and SCP-220 communication manuals (RS-232C/RS-485), "Monitor
    // commands" (ROM?, TYPE?, MODE?, MON?, TEMP?, ALARM?) and "Setting commands" (TEMP, MODE);
    // the reply shapes "OK:"/"NA:" as in the ESPEC EHS-211/411 communication manual, 1.3.
    // UNCONFIRMED, the manuals themselves not at hand (only excerpts and ESPEC North America's
    // published client library): the field order of TEMP? (measured, setpoint, upper limit,
    // lower limit), the range (the chamber's; TYPE? reports its maximum: -70..180 C is typical of
    // the P-300 range), that H/L are the alarm limits the controller refuses setpoints outside,
    // the alarm reset command (none here: the driver reports alarms, an operator resets them),
    // and which ALARM? codes mean over-temperature (the driver reports the count).
    ThermalChamberDialect{
        .driver = "espec",
        .description = "ESPEC chamber, P-300/SCP-220 controller (RS-232C)",
        .min_setpoint_c = -70.0,
        .max_setpoint_c = 180.0,
        .select_setpoint = "",
        .set_setpoint = "TEMP, S{c:.1f}",
        .get_setpoint = "TEMP?",
        .read_air = "TEMP?",
        .read_dut = "",
        .set_ramp = "",  // ramps are program steps on these controllers, not constant mode
        .set_window = "",
        .set_soak = "",
        .at_temperature = "",
        .at_temperature_mask = 0,
        .read_alarms = "ALARM?",
        .over_temperature_bit = -1,
        .low_flow_bit = -1,
        .low_air_bit = -1,
        .clear_alarms = "",
        .set_flow = "MODE, {onoff}",
        .set_upper_limit = "TEMP, H{c:.1f}",
        .set_lower_limit = "TEMP, L{c:.1f}",
        .get_upper_limit = "TEMP?",
        .get_lower_limit = "TEMP?",
        .ack_ok = "OK:",
        .ack_error = "NA:",
        .identify = "ROM?",
        .maker = "ESPEC",
        .heartbeat = "MODE?",
        .air_field = 0,
        .setpoint_field = 1,
        .upper_limit_field = 2,
        .lower_limit_field = 3,
        .alarms_are_count = true,
        .flow_on_word = "CONSTANT",
        .flow_off_word = "STANDBY",
    },
};

}  // namespace

const ThermalChamberDialect* find_thermal_chamber_dialect(std::string_view driver) { return find_dialect(kDialects, driver); }

std::vector<std::string> thermal_chamber_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments
