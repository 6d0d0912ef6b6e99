#include "scpi/server/faults.hpp"

#include <fmt/format.h>

namespace ledlab::scpi::server {

void FaultPlan::outage(double seconds) {
  outage_until_ = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

void FaultPlan::clear() {
  outage_until_ = {};
  drop_countdown_ = -1;
  stall_s_ = 0;
  stall_count_ = 0;
  garble_count_ = 0;
  p_drop_ = p_stall_ = p_garble_ = random_stall_s_ = 0;
}

std::string FaultPlan::describe() const {
  return fmt::format("DROP {},STAL {},{},GARB {},RAND {},{},{}", drop_countdown_, stall_s_, stall_count_,
                     garble_count_, p_drop_, p_stall_, p_garble_);
}

FaultAction FaultPlan::next() {
  FaultAction a;
  if (drop_countdown_ == 0) a.drop = true;
  if (drop_countdown_ >= 0) --drop_countdown_;
  if (stall_count_ > 0) {
    --stall_count_;
    a.stall_s = stall_s_;
  }
  if (garble_count_ > 0) {
    --garble_count_;
    a.garble = true;
  }
  if (p_drop_ > 0 || p_stall_ > 0 || p_garble_ > 0) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    if (u(rng_) < p_drop_) a.drop = true;
    if (u(rng_) < p_stall_) a.stall_s = std::max(a.stall_s, random_stall_s_);
    if (u(rng_) < p_garble_) a.garble = true;
  }
  return a;
}

void FaultPlan::garble_text(std::string& reply) {
  static constexpr char kJunk[] = "#@!?~%&$^";
  if (reply.empty()) reply.push_back('?');
  for (auto& c : reply) c = kJunk[rng_() % (sizeof(kJunk) - 1)];
}

}  // namespace ledlab::scpi::server
