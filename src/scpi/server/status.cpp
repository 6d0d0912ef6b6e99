#include "scpi/server/status.hpp"

namespace ledlab::scpi::server {

void ErrorQueue::push(int code, std::string message) {
  // SCPI-99 SYSTem:ERRor[:NEXT]?: the description and its device-dependent information hold at
  // most 255 characters. Messages quote the offending input, which a hostile client makes long.
  constexpr std::size_t kMaxText = 255;
  if (message.size() > kMaxText) message.resize(kMaxText);
  if (entries_.size() >= capacity_) {
    entries_.back() = {-350, "Queue overflow"};
    return;
  }
  entries_.emplace_back(code, std::move(message));
}

std::pair<int, std::string> ErrorQueue::pop() {
  if (entries_.empty()) return {0, "No error"};
  auto e = std::move(entries_.front());
  entries_.pop_front();
  return e;
}

void EventRegister::set_condition(std::uint16_t bits, bool on) {
  const std::uint16_t before = condition;
  condition = on ? (condition | bits) : (condition & ~bits);
  event |= static_cast<std::uint16_t>(condition & ~before);  // positive transitions latch
}

void StatusModel::push_error(int code, std::string message) {
  if (code <= -100 && code > -200) esr_ |= esr::cme;
  else if (code <= -200 && code > -300) esr_ |= esr::exe;
  else if (code <= -400 && code > -500) esr_ |= esr::qye;
  else esr_ |= esr::dde;
  errors_.push(code, std::move(message));
}

std::uint8_t StatusModel::status_byte() const {
  std::uint8_t s = 0;
  if (!errors_.empty()) s |= stb::eav;
  if (questionable.summary()) s |= stb::ques;
  if ((esr_ & ese) != 0) s |= stb::esb;
  if (operation.summary()) s |= stb::oper;
  if ((s & sre & ~stb::mss) != 0) s |= stb::mss;
  return s;
}

void StatusModel::clear() {
  esr_ = 0;
  operation.event = 0;
  questionable.event = 0;
  errors_.clear();
}

}  // namespace ledlab::scpi::server
