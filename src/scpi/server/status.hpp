#pragma once
// IEEE 488.2 status reporting: error queue, standard event status register and the status
// byte, plus the SCPI OPERation and QUEStionable summary registers.
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace ledlab::scpi::server {

class ErrorQueue {
 public:
  explicit ErrorQueue(std::size_t capacity = 20) : capacity_(capacity) {}
  // A full queue keeps its oldest entries and replaces the newest with -350 (SCPI-99 21.8.2).
  void push(int code, std::string message);
  // Oldest first; 0,"No error" when empty.
  std::pair<int, std::string> pop();
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

 private:
  std::size_t capacity_;
  std::deque<std::pair<int, std::string>> entries_;
};

// Event register with enable mask (SCPI status structure: condition -> event -> enable).
struct EventRegister {
  std::uint16_t condition = 0;
  std::uint16_t event = 0;  // latched; read clears
  std::uint16_t enable = 0;
  void set_condition(std::uint16_t bits, bool on);
  bool summary() const { return (event & enable) != 0; }
};

namespace esr {
inline constexpr std::uint8_t opc = 1u << 0, rqc = 1u << 1, qye = 1u << 2, dde = 1u << 3, exe = 1u << 4,
                              cme = 1u << 5, urq = 1u << 6, pon = 1u << 7;
}
namespace stb {
inline constexpr std::uint8_t eav = 1u << 2, ques = 1u << 3, mav = 1u << 4, esb = 1u << 5, mss = 1u << 6,
                              oper = 1u << 7;
}

class StatusModel {
 public:
  StatusModel() { esr_ = esr::pon; }

  ErrorQueue& errors() { return errors_; }
  // Queues an error and sets its ESR class bit: -1xx CME, -2xx EXE, -3xx and device DDE, -4xx QYE.
  void push_error(int code, std::string message);

  std::uint8_t esr() const { return esr_; }
  std::uint8_t read_and_clear_esr() { return std::exchange(esr_, 0); }
  void set_esr_bits(std::uint8_t bits) { esr_ |= bits; }
  std::uint8_t ese = 0;
  std::uint8_t sre = 0;
  EventRegister operation, questionable;

  std::uint8_t status_byte() const;  // *STB?: MSS computed, not latched
  void clear();                      // *CLS: ESR, event registers and the error queue

 private:
  ErrorQueue errors_;
  std::uint8_t esr_ = 0;
};

}  // namespace ledlab::scpi::server
