// Power meter models, one table each. A new model is a new table, not new code.
#include "instruments/power_meter/power_meter.hpp"

#include "instruments/common/dialect_table.hpp"

#include <array>

namespace ledlab::instruments {
namespace {

constexpr std::array kDialects{
    // ledlab's multi-channel array power meter (the simulated twin); channel = lane.
    // Thorlabs PM100 command set, with a suffix per channel and a bulk block read.
    PowerMeterDialect{
        .driver = "ledlab-opm",
        .description = "multi-channel array power meter (PM100 dialect with channel suffixes)",
        .identity = {.manufacturers = "Thorlabs",
                     .models = "PM-ARRAY-SIM",
                     .sample = "Thorlabs,PM-ARRAY-SIM,SIM-opm,1.0 (ledlab twin)",
                     .source = "ledlab's twin (power_meter_twin.cpp)"},
        .set_wavelength = "SENS{ch}:CORR:WAV {nm}",
        .set_unit_watt = "SENS{ch}:POW:UNIT W",
        .set_autorange = "SENS{ch}:POW:RANG:AUTO ON",
        .set_averaging = "SENS{ch}:AVER {n}",
        .read_power = "MEAS{ch}:POW?",
        .read_all = "READ:POW:ALL?",
        .channel_count = "SYST:CHAN:COUN?",
    },
    // Thorlabs PM100D/PM100USB: single channel, no suffixes. Sources: PM100D manual, 6.4
    // "PM100D SCPI Commands" (*IDN? answers THORLABS,<model>,<serial>,<firmware>) (checked);
    // PM400 manual, 5.5 "SCPI Commands" (the same set for PM100A/D/USB): SENSe:CORRection:
    // WAVelength <nm> (checked). UNVERIFIED: SENS:POW:UNIT, SENS:POW:RANG:AUTO, SENS:AVER and
    // MEAS:POW? (the pages with them were not found).
    PowerMeterDialect{
        .driver = "pm100",
        .description = "Thorlabs PM100 series",
        .identity = {.manufacturers = "Thorlabs",
                     .models = "PM100*",
                     .sample = "THORLABS,PM100D,P0000000,2.4.0",
                     .source = "PM100D manual 6.4.2.2.1 (*IDN? THORLABS,MMM,SSS,X.X.X); model names UNVERIFIED"},
        .set_wavelength = "SENS:CORR:WAV {nm}",
        .set_unit_watt = "SENS:POW:UNIT W",
        .set_autorange = "SENS:POW:RANG:AUTO ON",
        .set_averaging = "SENS:AVER {n}",
        .read_power = "MEAS:POW?",
        .read_all = "",
        .channel_count = "",
    },
    // Keysight N774xC multiport power meter. UNVERIFIED: no public programming guide pages
    // found; the forms follow the 816x/N77xx "SENSe[n]:POWer" tree.
    PowerMeterDialect{
        .driver = "n774x",
        .description = "Keysight N774xC multiport",
        .identity = {.manufacturers = "Keysight Technologies|Agilent Technologies",
                     .models = "N774*",
                     .sample = "Keysight Technologies,N7745C,MY00000000,1.0",
                     .source = "UNVERIFIED: model numbers N7744C/N7745C/N7747C/N7748C; the reply as the guide prints it was not found"},
        .set_wavelength = ":SENS{ch}:POW:WAV {nm}NM",
        .set_unit_watt = ":SENS{ch}:POW:UNIT W",
        .set_autorange = ":SENS{ch}:POW:RANG:AUTO 1",
        .set_averaging = "",
        .read_power = ":READ{ch}:POW?",
        .read_all = "",
        .channel_count = "",
    },
};

}  // namespace

const PowerMeterDialect* find_power_meter_dialect(std::string_view driver) { return find_dialect(kDialects, driver); }

std::vector<std::string> power_meter_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments
