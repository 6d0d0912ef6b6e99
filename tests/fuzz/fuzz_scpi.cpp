// The SCPI targets of the mutation fuzzer (mutation_fuzzer.hpp; invariants in scpi_targets.hpp).
//
// usage: fuzz_scpi TARGET CORPUS_DIR ARTIFACT_DIR [ITERATIONS] [SECONDS] [SEED]
//   TARGET  device | reply
#include "fuzz/mutation_fuzzer.hpp"
#include "fuzz/scpi_targets.hpp"

#include <array>

namespace {

// IEEE 488.2 and SCPI-1999 syntax: block headers, separators, terminators, common commands.
constexpr auto kTokens = std::to_array<std::string_view>({
    "#", "#1", "#2", "#9", "#0", "#15", "#210", ";", ",", ":", "?", "\"", "'", "\n", "\r\n", " ", "*IDN?", "*ESE ",
    "SYST:ERR?", "MEAS:POW?", "SENS2:CORR:WAV ", "DATA ", "DATA?", "COUN ", "1e300", "MAX", "9.91E37", "*RST"});

}  // namespace

int main(int argc, char** argv) {
  const std::array targets{ledlab::fuzz::Target{"device", ledlab::fuzz::check_device_input, kTokens},
                           ledlab::fuzz::Target{"reply", ledlab::fuzz::check_reply_input, kTokens}};
  return ledlab::fuzz::run_fuzzer("fuzz_scpi", targets, argc, argv);
}
