#pragma once
// Modbus over Serial Line V1.02, 2.5.1.1: RTU frames are separated by a silent interval of at
// least 3.5 character times; above 19200 baud a fixed 1.75 ms is used. A character is 11 bits
// (start, 8 data, parity or a second stop bit, stop).
#include <chrono>

namespace ledlab::io::modbus {

inline std::chrono::microseconds rtu_silent_interval(unsigned baud) {
  if (baud == 0 || baud > 19200) return std::chrono::microseconds(1750);
  return std::chrono::microseconds(3'500'000ll * 11 / baud + 1);
}

}  // namespace ledlab::io::modbus
