// Source-measure unit models, one table each. A new model is a new table, not new code.
// Commands from the makers' programming manuals:
// - Keithley Series 2400 SourceMeter User's Manual (2400S-900-01), section 18 "SCPI Command
//   Reference" (SOURce, SENSe1, OUTPut, FORMat subsystems; :READ? is among the signal-oriented
//   commands). UNVERIFIED: the section number is as other drivers' documentation cites it; the
//   manual itself was not at hand.
// - Keithley Model 2450 Reference Manual (2450-901-01), section 6 "SCPI command reference":
//   :SOURce[1]:FUNCtion, :SOURce[1]:<function>:VLIMit / :ILIMit (the limit belongs to the
//   source function), :MEASure:<function>?, :OUTPut[1][:STATe]. UNVERIFIED as above.
// - Keysight (formerly Agilent) B2900 Series Precision Source/Measure Unit SCPI Command
//   Reference (B2910-90030), chapter 4 "Subsystem Commands": :SOURce[c]:FUNCtion:MODE,
//   :SOURce[c]:CURRent, :SENSe[c]:<CURRent|VOLTage>[:DC]:PROTection[:LEVel] (*RST 100 uA /
//   2 V), :OUTPut[c], :FORMat:ELEMents:SENSe, :MEASure? [chanlist]. The PROTection command and
//   its defaults were checked against that chapter (SENSe subsystem); the channel-list form of
//   :MEASure? is UNVERIFIED (not seen in the pages at hand).
#include "instruments/smu/smu.hpp"

#include "instruments/common/dialect_table.hpp"

#include <array>

namespace ledlab::instruments {
namespace {

// The Keysight B2900 command tree (one channel per {ch}), shared by the B2900 itself and by
// ledlab's array SMU, which only adds a channel-count query.
constexpr SmuDialect b2900_tree(std::string_view driver, std::string_view description, DialectIdentity identity,
                                std::string_view channel_count) {
  return SmuDialect{
      .driver = driver,
      .description = description,
      .identity = identity,
      .source_current_mode = ":SOUR{ch}:FUNC:MODE CURR",
      .source_voltage_mode = ":SOUR{ch}:FUNC:MODE VOLT",
      .set_current = ":SOUR{ch}:CURR {a}",
      .set_voltage = ":SOUR{ch}:VOLT {v}",
      .set_compliance_v = ":SENS{ch}:VOLT:PROT {v}",
      .set_compliance_a = ":SENS{ch}:CURR:PROT {a}",
      .output_on = ":OUTP{ch} ON",
      .output_off = ":OUTP{ch} OFF",
      .setup = ":FORM:ELEM:SENS VOLT,CURR",
      .measure = ":MEAS? (@{ch})",
      .measure_voltage = "",
      .measure_current = "",
      .measure_range = ":MEAS? (@{first}:{last})",
      .channel_count = channel_count,
  };
}

constexpr std::array kDialects{
    // ledlab's multi-channel array SMU (the simulated twin): the B2900 command tree with one
    // channel per lane and a channel-list measurement of every lane at once.
    b2900_tree("ledlab-smu", "multi-channel array SMU (Keysight B2900 command tree, a channel per lane)",
               {.manufacturers = "Keysight Technologies",
                .models = "SMU-ARRAY-SIM",
                .sample = "Keysight Technologies,SMU-ARRAY-SIM,SIM-smu,1.0 (ledlab twin)",
                .source = "ledlab's twin (smu_twin.cpp)"},
               "SYST:CHAN:COUN?"),
    // Keysight B2901A/B2902A (one or two channels: options.channels).
    b2900_tree("b2900", "Keysight B2900 series",
               {.manufacturers = "Keysight Technologies|Agilent Technologies",
                .models = "B29*",
                .sample = "Keysight Technologies,B2902A,MY00000000,3.4.2011.5100",
                .source = "B2900 SCPI Command Reference, *IDN? (common commands). UNVERIFIED: the sample reply is "
                          "illustrative"},
               ""),
    // Keithley 2400/2401/2410/2420/2440: one channel. READ? returns the FORMat:ELEMents, here
    // voltage then current, with concurrent measurement on.
    SmuDialect{
        .driver = "keithley2400",
        .description = "Keithley 2400-series SourceMeter",
        .identity = {.manufacturers = "KEITHLEY INSTRUMENTS INC.",
                     .models = "MODEL 24*",
                     .sample = "KEITHLEY INSTRUMENTS INC.,MODEL 2400,0000000,C30   Mar 17 2006 09:29:29/A02  /K/J",
                     .source = "Series 2400 User's Manual, *IDN? in section 14 (common commands). UNVERIFIED: manual not at hand"},
        .source_current_mode = ":SOUR:FUNC CURR",
        .source_voltage_mode = ":SOUR:FUNC VOLT",
        .set_current = ":SOUR:CURR {a}",
        .set_voltage = ":SOUR:VOLT {v}",
        .set_compliance_v = ":SENS:VOLT:PROT {v}",
        .set_compliance_a = ":SENS:CURR:PROT {a}",
        .output_on = ":OUTP ON",
        .output_off = ":OUTP OFF",
        .setup = ":SENS:FUNC:CONC ON;:SENS:FUNC \"VOLT\",\"CURR\";:FORM:ELEM VOLT,CURR",
        .measure = ":READ?",
        .measure_voltage = "",
        .measure_current = "",
        .measure_range = "",
        .channel_count = "",
    },
    // Keithley 2450: limits belong to the source function (VLIM while sourcing current).
    SmuDialect{
        .driver = "keithley2450",
        .description = "Keithley 2450 SourceMeter (SCPI command set)",
        .identity = {.manufacturers = "KEITHLEY INSTRUMENTS*|Tektronix*",
                     .models = "MODEL 2450",
                     .sample = "KEITHLEY INSTRUMENTS,MODEL 2450,00000000,1.6.4c",
                     .source = "2450 Reference Manual, *IDN? (common commands). UNVERIFIED: manual not at hand"},
        .source_current_mode = ":SOUR:FUNC CURR",
        .source_voltage_mode = ":SOUR:FUNC VOLT",
        .set_current = ":SOUR:CURR {a}",
        .set_voltage = ":SOUR:VOLT {v}",
        .set_compliance_v = ":SOUR:CURR:VLIM {v}",
        .set_compliance_a = ":SOUR:VOLT:ILIM {a}",
        .output_on = ":OUTP ON",
        .output_off = ":OUTP OFF",
        .setup = "",
        .measure = "",
        .measure_voltage = ":MEAS:VOLT?",
        .measure_current = ":MEAS:CURR?",
        .measure_range = "",
        .channel_count = "",
    },
};

}  // namespace

const SmuDialect* find_smu_dialect(std::string_view driver) { return find_dialect(kDialects, driver); }

std::vector<std::string> smu_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments
