#pragma once
// Link-level fault injection shared by every twin: drop the connection, stall a reply past
// the client's timeout, garble a reply, at a chosen point or at random with a seeded RNG,
// so a fault scenario replays exactly.
#include <cstdint>
#include <chrono>
#include <random>
#include <string>

namespace ledlab::scpi::server {

struct FaultAction {
  bool drop = false;      // close the connection instead of answering
  double stall_s = 0;     // wall seconds to hold the reply back
  bool garble = false;    // corrupt the reply bytes (terminator kept)
};

class FaultPlan {
 public:
  explicit FaultPlan(std::uint64_t seed = 1) : rng_(seed) {}

  void seed(std::uint64_t s) { rng_.seed(s); }
  // Drops the connection when the command `after` lines from now arrives (0 = the next one).
  void drop_after(int after) { drop_countdown_ = after; }
  void stall(double seconds, int count) { stall_s_ = seconds, stall_count_ = count; }
  void garble(int count) { garble_count_ = count; }
  void random(double p_drop, double p_stall, double p_garble, double stall_s) {
    p_drop_ = p_drop, p_stall_ = p_stall, p_garble_ = p_garble, random_stall_s_ = stall_s;
  }
  // A power cycle or pulled cable: for `seconds` of wall time every connection is dropped at
  // its next line and new connections are closed at once.
  void outage(double seconds);
  bool in_outage() const { return std::chrono::steady_clock::now() < outage_until_; }
  void clear();
  std::string describe() const;

  // Decides the fate of the line just received. Called once per line.
  FaultAction next();
  // Replaces reply bytes with deterministic junk of the same length.
  void garble_text(std::string& reply);

 private:
  std::mt19937_64 rng_;
  int drop_countdown_ = -1;
  double stall_s_ = 0;
  int stall_count_ = 0;
  int garble_count_ = 0;
  double p_drop_ = 0, p_stall_ = 0, p_garble_ = 0, random_stall_s_ = 0;
  std::chrono::steady_clock::time_point outage_until_{};
};

}  // namespace ledlab::scpi::server
