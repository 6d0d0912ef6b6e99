#pragma once
// Counter-based random numbers for the simulated bench. Every draw is a pure function of
// (seed, stream, lane, index, sub-draw), so one lane's readings never depend on how calls for
// other lanes interleave, and a run replays bit for bit under the same seed. The mixer is the
// SplitMix64 finaliser (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014), used here as a hash of the counter rather than as a sequential generator.
#include <cstdint>

namespace ledlab::sim {

// Independent families of draws; a new family gets a new number, never a reused one.
enum class Stream : std::uint64_t {
  lane_parameters = 1,  // array construction: spreads, dead and weak lanes
  ageing = 2,           // per-lane ageing rate and early-failure draws
  meter_noise = 3,      // power meter reading noise, one index per reading of a lane
  sensor_noise = 4,     // chamber air sensor noise, one index per reading
  bit_errors = 5,       // BERT error counts, one index per gate of a lane
  forced_failure = 6,   // remaining power of a lane failed through the fault hook
  amplitude_noise = 7,  // BERT modulation amplitude noise, one index per reading of a lane
};

constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// One keyed draw sequence: the key hashes (seed, stream, lane, index); successive calls walk a
// sub-counter, so a draw that needs several uniforms (Box-Muller, rejection) stays keyed too.
class CounterRng {
 public:
  CounterRng(std::uint64_t seed, Stream stream, std::uint64_t lane, std::uint64_t index);

  std::uint64_t next_u64();
  double uniform();                          // in (0, 1), never exactly 0 or 1
  double normal();                           // standard normal
  double lognormal_factor(double sigma_ln);  // median 1, sigma of ln(x) = sigma_ln
  double exponential(double mean);
  // Poisson(mean): inversion for small means, Hormann's PTRS rejection for larger ones
  // ("The transformed rejection method for generating Poisson random variables", 1993), and a
  // normal approximation where the mean is so large that lgamma loses the difference.
  std::uint64_t poisson(double mean);

 private:
  std::uint64_t key_;
  std::uint64_t sub_ = 0;
};

}  // namespace ledlab::sim
