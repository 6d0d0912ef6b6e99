// BERT models, one table each. A new model is a new table, not new code.
#include "instruments/bert/bert.hpp"

#include "instruments/common/dialect_table.hpp"

#include <array>

namespace ledlab::instruments {
namespace {

constexpr std::array kDialects{
    // ledlab's multi-lane CPO BERT (the simulated twin, bert_twin.cpp). J-BERT N4903B command
    // set; the SENSe suffix selects the lane for results; generator, detector and gate
    // settings sent to suffix 1 apply to every lane. Extensions: SENS1:GATE:BITS <n> (length
    // of a BITS gate), FETC:SENS<lane>:AMPL? (received modulation amplitude, W), bulk reads
    // FETC:SENS:ECO:ALL? / BCO:ALL? (blocks of little-endian uint64, lane 1 first) and
    // AMPL:ALL? (little-endian float64), SYST:LANE:COUN?.
    BertDialect{
        .driver = "ledlab-bert",
        .description = "multi-lane CPO BERT (J-BERT N4903B dialect with lane suffixes)",
        .identity = {.manufacturers = "ledlab",
                     .models = "SIM-BERT",
                     .sample = "ledlab,SIM-BERT,bert1,0.1",
                     .source = "ledlab's twin (bert_twin.cpp)"},
        .lane_count = "SYST:LANE:COUN?",
        .set_bit_rate = "SOUR9:FREQ {hz}",
        .set_source_pattern = "SOUR1:PATT:SEL {pattern}",
        .set_sense_pattern = "SENS1:PATT:SEL {pattern}",
        .set_gate_time = "SENS1:GATE:MANN TIME;PER {s}",
        .set_gate_bits = "SENS1:GATE:MANN BITS;BITS {n}",
        .gate_on = "SENS1:GATE:STAT ON",
        .gate_off = "SENS1:GATE:STAT OFF",
        .gate_state = "SENS1:GATE:STAT?",
        .read_errors = "FETC:SENS{lane}:ECO?",
        .read_bits = "FETC:SENS{lane}:BCO?",
        .read_ratio = "FETC:SENS{lane}:ERAT?",
        .read_amplitude = "FETC:SENS{lane}:AMPL?",
        .read_all_errors = "FETC:SENS:ECO:ALL?",
        .read_all_bits = "FETC:SENS:BCO:ALL?",
        .read_all_amplitudes = "FETC:SENS:AMPL:ALL?",
    },
    // Keysight (Agilent) J-BERT N4903B: one error detector (lane 1), gate by time. Source:
    // "Agilent J-BERT N4903B High-Performance Serial BERT" programming guide, chapter 5 "SCPI
    // Command Reference": [P]FETCh[:SENSe[1]]:ERATio[:ALL][:FULL][:TOTal]? (p. 299, the ratio
    // of errors to bits of the current or last accumulation period) and the [P]FETCh[:SENSe[1]]
    // tree (p. 290) are checked. UNVERIFIED: the count queries ECOunt?/BCOunt? (the pages of
    // the guide found do not include them; client code written for Keysight error detectors
    // uses the same forms) and the SOURce9/SENSe1 GATE commands.
    BertDialect{
        .driver = "n4903b",
        .description = "Keysight J-BERT N4903B",
        .identity = {.manufacturers = "Agilent Technologies|Keysight Technologies",
                     .models = "N4903*",
                     .sample = "Agilent Technologies,N4903B,DE00000000,0.0",
                     .source = "IEEE 488.2 *IDN? fields; the model field as on the front panel. UNVERIFIED: the reply as printed in the N4903B programming guide was not found"},
        .lane_count = "",
        .set_bit_rate = ":SOUR9:FREQ {hz}",
        .set_source_pattern = ":SOUR1:PATT:SEL {pattern}",
        .set_sense_pattern = ":SENS1:PATT:SEL {pattern}",
        .set_gate_time = ":SENS1:GATE:MANN TIME;PER {s}",
        .set_gate_bits = "",
        .gate_on = ":SENS1:GATE:STAT ON",
        .gate_off = ":SENS1:GATE:STAT OFF",
        .gate_state = ":SENS1:GATE:STAT?",
        .read_errors = ":FETC:SENS{lane}:ECO?",
        .read_bits = ":FETC:SENS{lane}:BCO?",
        .read_ratio = ":FETC:SENS{lane}:ERAT?",
        .read_amplitude = "",
        .read_all_errors = "",
        .read_all_bits = "",
        .read_all_amplitudes = "",
    },
};

}  // namespace

const BertDialect* find_bert_dialect(std::string_view driver) { return find_dialect(kDialects, driver); }

std::vector<std::string> bert_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments
