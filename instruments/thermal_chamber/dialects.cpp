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
};

}  // namespace

const ThermalChamberDialect* find_thermal_chamber_dialect(std::string_view driver) { return find_dialect(kDialects, driver); }

std::vector<std::string> thermal_chamber_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments
