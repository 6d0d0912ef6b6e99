#pragma once
// What `ledlab show` says of one result name over a run's lanes, instead of every lane: the
// median and interquartile range of the live lanes' values, the range they span, and the worst
// lane against its limits. Dead lanes are left out (their value, often 0, says nothing of the
// array; they are counted apart).
#include "db/records.hpp"

#include <cmath>
#include <optional>
#include <vector>

namespace ledlab::db {

// How far inside its limits a value is, relative to each limit's size: 0.9 for a BER of 1e-13
// under a limit of 1e-12, -2 for 3e-12; the smaller of the two for a window. Negative outside.
// None for a result without limits.
std::optional<double> relative_margin(const ResultRecord& result);

struct ResultStats {
  std::size_t live = 0;  // finite values of results that are not dead
  double median = NAN, q1 = NAN, q3 = NAN;  // quartiles interpolated between ranks (Hyndman-Fan type 7)
  double lo = NAN, hi = NAN;
  Qualifier lo_q = Qualifier::exact, hi_q = Qualifier::exact;
  // The live result with the smallest relative_margin, when any has limits.
  struct Worst {
    double value = NAN;
    Qualifier qualifier = Qualifier::exact;
    std::optional<int> lane;
  };
  std::optional<Worst> worst;
};

// Collects one result name's results one at a time (they are streamed).
class ResultStatsBuilder {
 public:
  void add(const ResultRecord& result);
  ResultStats finish() const;

 private:
  std::vector<double> values_;
  ResultStats partial_;
  double worst_margin_ = 0;
};

}  // namespace ledlab::db
