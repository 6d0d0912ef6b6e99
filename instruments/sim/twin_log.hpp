#pragma once
// A twin's own record of what it was told to do, on simulated time: the BERT's gates and the
// switch's routes, so a test can check from the instruments' side what the engine did (a
// shared instrument never serving two sockets at once). One log per simulated station, shared
// by its twins, keeps the order across instruments. Read in-process with entries(), or over
// SCPI with SIMulate:LOG? on each twin (format in README "Simulated instruments").
// Thread-safe: one mutex.
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::sim {

struct TwinLogEntry {
  double time_s = 0;       // bench time (simulated seconds since the bench started)
  std::string instrument;  // the station's name of the twin: "bert"
  std::string event;       // "GATE ON 1000000000 BITS", "GATE END", "ROUTE 17!2", "OPEN ALL"
};

class TwinLog {
 public:
  void add(double time_s, std::string instrument, std::string event);
  // Every entry (of one instrument, when named), ordered by time; equal times keep the order
  // they were added in.
  std::vector<TwinLogEntry> entries(std::string_view instrument = {}) const;
  void clear(std::string_view instrument = {});
  // One line per entry, "<time_s> <event>" with the time to the nanosecond.
  std::string text(std::string_view instrument) const;

 private:
  mutable std::mutex mutex_;
  std::vector<TwinLogEntry> entries_;
};

}  // namespace ledlab::sim
