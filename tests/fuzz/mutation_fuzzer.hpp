#pragma once
// A seeded, bounded mutation fuzzer for targets that clang 14's libFuzzer cannot build (our
// code uses <expected>, which needs GCC 12 here): byte flips, inserts of bytes and of the
// target's tokens, erasures, repeats and splices of corpus entries, for at most N iterations
// and S seconds. A violated invariant, a crash or an input that runs too long is written to
// the artifact directory and ends the run with exit 1; once fixed, the input joins the corpus,
// which a unit test replays.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::fuzz {

// What one input violated, or nothing. `seed` varies what the input alone does not fix (how
// bytes are cut into pieces); a target that needs no such choice ignores it.
using Check = std::function<std::optional<std::string>(std::string_view input, std::uint64_t seed)>;

struct Target {
  std::string_view name;
  Check check;
  std::span<const std::string_view> tokens;  // inserted whole: keywords, numbers, separators
  std::size_t max_len = 4096;                // mutants are cut to this many bytes
};

// Applies 1..4 mutations to `s`; `corpus` supplies pieces to splice in.
std::string mutate(std::string s, const std::vector<std::string>& corpus, std::span<const std::string_view> tokens,
                   std::size_t max_len, std::mt19937_64& rng);

// The files in each directory, sorted by name (so a seeded run repeats exactly), at least one
// (empty) entry.
std::vector<std::string> load_corpus(const std::vector<std::string>& dirs);

// main() of a fuzz program:
//   PROGRAM TARGET CORPUS_DIR[:MORE_DIRS] ARTIFACT_DIR [ITERATIONS] [SECONDS] [SEED]
// Runs the corpus entries as they are, then mutants. Exit 0 no finding, 1 a finding, 2 usage.
int run_fuzzer(std::string_view program, std::span<const Target> targets, int argc, char** argv);

}  // namespace ledlab::fuzz
