// Pattern generator models, one table each. A new model is a new table, not new code.
#include "instruments/pattern_generator/pattern_generator.hpp"

#include "instruments/common/dialect_table.hpp"

#include <array>

namespace ledlab::instruments {
namespace {

constexpr std::array kDialects{
    // ledlab's current-output pattern generator (the simulated twin,
    // pattern_generator_twin.cpp): the Keysight 33500B command set plus a vendor extension for
    // current mode, SOUR1:CURR:OFFS <A> (bias per emitter) and SOUR1:CURR:AMPL <A> (peak to
    // peak modulation). Its VOLT and VOLT:OFFS are the same output seen as the voltage across
    // the declared load (OUTP1:LOAD).
    PatternGeneratorDialect{
        .driver = "ledlab-pg",
        .description = "current-output pattern generator (33500B dialect + SOUR:CURR)",
        .identity = {.manufacturers = "ledlab",
                     .models = "SIM-PG-CURRENT",
                     .sample = "ledlab,SIM-PG-CURRENT,pg,0.1",
                     .source = "ledlab's twin (pattern_generator_twin.cpp)"},
        .set_function = "SOUR1:FUNC {function}",
        .set_frequency = "SOUR1:FREQ {hz}",
        .set_amplitude = "SOUR1:VOLT {v}",
        .set_offset = "SOUR1:VOLT:OFFS {v}",
        .set_load = "OUTP1:LOAD {ohm}",
        .output_on = "OUTP1 ON",
        .output_off = "OUTP1 OFF",
        .set_bias_current = "SOUR1:CURR:OFFS {a}",
        .set_modulation_current = "SOUR1:CURR:AMPL {a}",
    },
    // Keysight 33500B (33509B/33510B/33511B/33512B/33521B/33522B): a voltage source. Declaring
    // the series resistance as its load makes VOLT/VOLT:OFFS the voltage across it: 33500
    // Series Operating and Service Guide, "Output Configuration", "Output Termination":
    // OUTPut[1|2]:LOAD {<ohms>|INF}, 1 ohm to 10 kohm, sets the load the displayed and queried
    // amplitude and offset are computed for (checked). UNVERIFIED: the SOURce1 FUNC/FREQ/VOLT
    // forms (the pages with them were not found; they are the standard SCPI-99 SOURce tree).
    PatternGeneratorDialect{
        .driver = "33500b",
        .description = "Keysight 33500B waveform generator (voltage over a series resistance)",
        .identity = {.manufacturers = "Agilent Technologies|Keysight Technologies",
                     .models = "335??B",
                     .sample = "Agilent Technologies,33522B,MY00000000,3.05-1.19-2.00-52-00",
                     .source = "UNVERIFIED: model numbers 33509B..33522B from the 33500B series data sheet; reply form is IEEE 488.2 10.14"},
        .set_function = "SOUR1:FUNC {function}",
        .set_frequency = "SOUR1:FREQ {hz}",
        .set_amplitude = "SOUR1:VOLT {v}",
        .set_offset = "SOUR1:VOLT:OFFS {v}",
        .set_load = "OUTP1:LOAD {ohm}",
        .output_on = "OUTP1 ON",
        .output_off = "OUTP1 OFF",
        .set_bias_current = "",
        .set_modulation_current = "",
    },
};

}  // namespace

const PatternGeneratorDialect* find_pattern_generator_dialect(std::string_view driver) { return find_dialect(kDialects, driver); }

std::vector<std::string> pattern_generator_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments
