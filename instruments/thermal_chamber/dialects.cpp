// Thermal chamber models, one table each (REFERENCE.md 3, "Thermal"). A new model is a new
// table, not new code.
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include "instruments/common/dialect_table.hpp"

#include <array>

namespace ledlab::instruments {
namespace {

constexpr std::array kDialects{
    // inTEST Temptronic ThermoStream (TP04300A; the older TP04000A and the ATS series); the
    // simulated twin speaks this. Source: Temptronic "TP04300 Series Interface & Applications
    // Manual", chapter 4 "Remote interfaces" (Device Specific Commands) and appendix C:
    // - EROR? (p. 4-20): bit0 overheat, bit3 low flow, bit4 low input air pressure (checked).
    // - TECR? (p. 4-24): bit0 at temperature (soak time elapsed) (checked); TMPA?/TMPD? read
    //   air and DUT whatever the control mode (TEMP? note, p. 4-24) (checked).
    // - FLOW 1|0 (p. 4-20) (checked).
    // - RSTO (appendix C): like *RST it resets the upper and lower temperature limits and other
    //   items to fixed values, and on the TP04300A needs 4 s to complete. It is the alarm
    //   reset here, so the driver programs its limits and settings again after it
    //   (clear_alarms_resets_setup). UNVERIFIED: that RSTO clears the EROR? latch (the manual
    //   says so of SRST, which also raises nothing but makes setpoint 5 active).
    // - SETN/SETP/WNDW/RAMP/SOAK act on the numbered setpoint of the current mode (TP04100A
    //   Interface & Applications manual, p. 4-8); ULIM/LLIM and the -99.9..225 C range are
    //   UNVERIFIED (pages not found).
    ThermalChamberDialect{
        .driver = "thermostream",
        .description = "inTEST Temptronic ThermoStream",
        .identity = {.manufacturers = "TEMPTRONIC|inTEST*",
                     .models = "TP04*|ATS*",
                     .sample = "TEMPTRONIC,TP04300A,4000,Ver 3.2.0",
                     .source = "TP04300 Series Interface & Applications Manual, appendix C (*IDN? of the TP04300A "
                               "and TP04000A); ATS model names UNVERIFIED"},
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
        .clear_alarms = "RSTO",
        .set_flow = "FLOW {on}",
        .set_upper_limit = "ULIM {c:.1f}",
        .set_lower_limit = "LLIM {c:.1f}",
        .get_upper_limit = "ULIM?",
        .get_lower_limit = "LLIM?",
        .clear_alarms_resets_setup = true,
    },
    // Watlow F4T controller in a climatic chamber: loop 1 is the air. Sources: Watlow "F4T
    // Setup and Operations User's Guide" (0600-0093-0000), chapter 6 "Communications" (SCPI:
    // :SOURCE:CLOOP#:PVALUE?, :SOURCE:CLOOP#:SPOINT[?]) (checked), and TestEquity's F4T
    // controller manual, chapter "Communications", "SCPI Programming Mode": SCPI only on
    // Ethernet port 5025 (Watlow's guide says 502, the Modbus port), :SOURCE:CLOOP#:RRATE?
    // kept for backward compatibility, and temperatures over SCPI in Fahrenheit unless
    // :UNIT:TEMPERATURE C (firmware 04:05:0007 and later; older firmware talks F only) (checked).
    // UNVERIFIED: the :RRATE <rate> setter, :OUTPUT1:STATE as the conditioning switch. No
    // window, soak, alarm register or limit commands over SCPI: the driver times the soak from
    // readings and enforces the station limits itself. The range is the chamber's, not the
    // controller's (UNVERIFIED; a typical -70..180 C chamber).
    ThermalChamberDialect{
        .driver = "watlow-f4t",
        .description = "Watlow F4T controller (loop 1 = chamber air)",
        .identity = {.manufacturers = "Watlow*",
                     .models = "F4T*",
                     .sample = "Watlow,F4T,0,1.0",
                     .source = "UNVERIFIED: the F4T guides list no *IDN? reply; the reply of the twin"},
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
        .set_units_c = ":UNIT:TEMPERATURE C",
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
    // Watlow F4T over Modbus TCP (its native protocol; port 502), register map
    // instruments/thermal_chamber/registers/watlow-f4t.toml (TestEquity F4T Controller manual,
    // chapter 4, Data Map 1). At initialize the manual ramp is set to act on set point changes
    // (Ramp Action 85) in degrees per minute (Ramp Scale 57), so RAMP_RATE means C/min.
    // Event 1 switches the chamber's conditioning (UNCONFIRMED beyond TestEquity chambers).
    ThermalChamberDialect{
        .driver = "watlow-f4t-modbus",
        .description = "Watlow F4T controller over Modbus TCP (loop 1 = chamber air)",
        .min_setpoint_c = -70.0,
        .max_setpoint_c = 180.0,
        .select_setpoint = "RAMP_ACTION 85;RAMP_SCALE 57",
        .set_setpoint = "SETPOINT {c:.2f}",
        .get_setpoint = "SETPOINT?",
        .read_air = "PV?",
        .read_dut = "",
        .set_ramp = "RAMP_RATE {rate:.2f}",
        .set_window = "",
        .set_soak = "",
        .at_temperature = "",
        .at_temperature_mask = 0,
        .read_alarms = "",
        .over_temperature_bit = -1,
        .low_flow_bit = -1,
        .low_air_bit = -1,
        .clear_alarms = "",
        .set_flow = "POWER {on}",
        .set_upper_limit = "",
        .set_lower_limit = "",
        .get_upper_limit = "",
        .get_lower_limit = "",
        .register_map = "watlow-f4t",
    },
    // Eurotherm 3200 series over Modbus RTU, register map eurotherm-3200.toml (Eurotherm 3200
    // Series Engineering Handbook HA028651, 15.5): integer registers with one decimal place.
    // No output enable over comms in the map: the driver does without air flow control. The
    // ramp register is UNCONFIRMED (see the map).
    ThermalChamberDialect{
        .driver = "eurotherm-3200",
        .description = "Eurotherm 3200 series controller over Modbus RTU",
        .min_setpoint_c = -100.0,
        .max_setpoint_c = 200.0,
        .select_setpoint = "",
        .set_setpoint = "SETPOINT {c:.1f}",
        .get_setpoint = "SETPOINT?",
        .read_air = "PV?",
        .read_dut = "",
        .set_ramp = "RAMP_RATE {rate:.1f}",
        .set_window = "",
        .set_soak = "",
        .at_temperature = "",
        .at_temperature_mask = 0,
        .read_alarms = "",
        .over_temperature_bit = -1,
        .low_flow_bit = -1,
        .low_air_bit = -1,
        .clear_alarms = "",
        .set_flow = "",
        .set_upper_limit = "",
        .set_lower_limit = "",
        .get_upper_limit = "",
        .get_lower_limit = "",
        .register_map = "eurotherm-3200",
    },
};

}  // namespace

const ThermalChamberDialect* find_thermal_chamber_dialect(std::string_view driver) { return find_dialect(kDialects, driver); }

std::vector<std::string> thermal_chamber_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments
