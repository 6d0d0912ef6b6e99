#pragma once
// A twin's own record of what it was told to do, on simulated time: the BERT's gates and the
// switch's routes, so a test can check from the instruments' side what the engine did (a
// shared instrument never serving two sockets at once). One log per simulated station, shared
// by its twins, keeps the order across instruments. Read in-process with entries(), or over
// SCPI with SIMulate:LOG? on each twin (format in README "Simulated instruments").
// Thread-safe: one mutex.
#include <cstddef>
#include <map>
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

  // A BERT's gates as intervals: each GATE ON to the GATE END or GATE OFF after it (a gate
  // still running ends at +infinity).
  struct Gate {
    double start_s = 0;
    double end_s = 0;
  };
  std::vector<Gate> gates(std::string_view bert) const;
  // A switch's routes (output -> input) just after `time_s`, replayed from its entries.
  std::map<int, int> routes_at(std::string_view optical_switch, double time_s) const;

 private:
  mutable std::mutex mutex_;
  std::vector<TwinLogEntry> entries_;
};

}  // namespace ledlab::sim
