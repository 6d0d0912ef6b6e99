#pragma once
// One verdict model for a run, used by `ledlab show`, `ledlab report`, the HTML report and the
// summary `ledlab run` prints (db/SCHEMA.md "Run verdict"):
// - each result is pass, fail, dead or not judged (records.hpp Verdict), counted once;
// - a finished run's verdict comes from its array verdict results (lane-less results with a
//   verdict: `array_pass` at each temperature, an array decay rate against its limit) when it
//   has any, since those state the sequence's acceptance rule for the array; otherwise from
//   every judged result. Dead and not judged results never fail a run;
// - a run that did not finish (running, aborted, failed, interrupted) has no verdict.
#include "db/records.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::db {

class Reader;

struct VerdictCounts {
  std::int64_t pass = 0, fail = 0, dead = 0, not_judged = 0;
  void add(Verdict v);
  std::int64_t judged() const { return pass + fail; }
  std::int64_t total() const { return pass + fail + dead + not_judged; }
};

enum class RunOutcome { pass, fail, not_judged, not_finished };

struct RunVerdict {
  RunOutcome outcome = RunOutcome::not_finished;
  RunStatus status = RunStatus::running;
  bool from_array = false;  // built from the lane-less judged results alone
  VerdictCounts all;        // every result of the run
  VerdictCounts array;      // the lane-less results
  VerdictCounts lanes;      // the per-lane results
  // Lane-less results with a verdict, by name, in the order first recorded.
  std::vector<std::pair<std::string, VerdictCounts>> array_by_name;
  double started_s = 0;
  std::optional<double> ended_s;

  // "PASS", "FAIL", "NOT JUDGED", or the status of a run that did not finish ("ABORTED").
  std::string word() const;
  // One line stating the verdict and what it is built from, e.g.
  // "PASS: 6 of 6 array verdict results passed (array_pass: 6 pass); lane results, not part of
  // the verdict: 2,362 pass, 44 fail, 12 dead, 120 not judged" or
  // "ABORTED (at 2026-11-30T03:12:05Z, 41.5 h after the start): no verdict; 1,200 results ...".
  std::string headline() const;  // label(): basis()
  std::string label() const;     // word(), and when a run that did not finish ended
  std::string basis() const;     // what the verdict is built from, or why there is none
};

// Adds up a run's results one at a time (they are streamed, never all held).
class VerdictTally {
 public:
  void add(const ResultRecord& result);
  RunVerdict verdict(const RunRecord& run) const;

 private:
  RunVerdict counts_;
};

// Streams the run's results from the store.
Result<RunVerdict> judge_run(Reader& reader, const RunRecord& run);

// 2406 -> "2,406": counts of thousands of lanes read at a glance.
std::string grouped(std::int64_t n);

// "> 6000", "< 1e-12", "1.5": a value (already formatted) with the qualifier of its result,
// for table cells; relation() is "=", ">" or "<" for "l70_h > 6 kh".
std::string qualified(Qualifier qualifier, const std::string& number);
std::string_view relation(Qualifier qualifier);

}  // namespace ledlab::db
