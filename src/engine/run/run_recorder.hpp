#pragma once
// What a sequence's record{} and result{} calls write into the store, keyed to the run's
// series (one series per lane, quantity, unit and conditions, declared on first use).
#include "core/clock.hpp"
#include "db/store.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ledlab::engine {

class RecordedRows;

class RunRecorder {
 public:
  RunRecorder(db::Store& store, db::RunId run, std::shared_ptr<Clock> clock)
      : store_(store), run_(run), clock_(std::move(clock)) {}

  static constexpr int kMaxLane = 100000;

  // record{quantity=, unit=, value= | values={per lane}, lane=, conditions={...}}
  // result{name=, value=, unit=, lane=, lower=, upper=, extra={...}}
  // A script mistake (a missing field, a lane that is not a whole number in 1..kMaxLane, a
  // value, limit or condition that is not a finite number) throws std::invalid_argument naming
  // the quantity or result and the lane, and stores nothing of the call; the script sees it as
  // an error at its line. Neither waits for the store: new series and results are posted
  // (db/store.hpp). A store that is already failed or closed throws std::runtime_error with
  // its message; a write the store refuses later shows at flush() and the next checkpoint.
  void record(const nlohmann::json& r);
  void result(const nlohmann::json& r);

  // Waits until everything recorded so far is committed. Samples are written by the store's
  // writer thread after record{} has returned, so a batch the store refused only shows here
  // (or in a later call): the run must not end 'finished' past a failure.
  Status flush();

  // A resumed run goes on writing into the series it declared before the crash.
  void adopt(const std::vector<db::SeriesRecord>& series);

  // recorded{quantity=, conditions={...} [, aggregate= | max_points=]}: what the run has
  // recorded so far (after a resume: including what the killed process recorded before its
  // last checkpoint), read back from the store file `db` (recorded_history.hpp). The full form
  // {t = {t1, ...}, values = {...}} holds the whole history: for per-lane series values[k]
  // lists every lane's value at t[k] (NaN where a lane has none), otherwise values[k] is a
  // number. For long runs use the streamed form (recorded_rows) or an aggregate.
  Result<nlohmann::json> recorded(const std::filesystem::path& db, const nlohmann::json& query);
  // The same rows streamed, for recorded{..., each = function(t, values) ... end}.
  Result<std::unique_ptr<RecordedRows>> recorded_rows(const std::filesystem::path& db, const nlohmann::json& query);

  std::size_t records() const { return records_; }
  std::size_t results() const { return results_; }

 private:
  static std::string key(std::optional<int> lane, const std::string& quantity, const std::string& unit,
                         const std::string& conditions);
  // Samples at `t` of (lane, value) pairs, declaring the series not seen yet. `conditions` as
  // stored; `key_conditions` canonical, for the series key.
  std::vector<db::Sample> samples(const std::vector<std::pair<std::optional<int>, double>>& values,
                                  const std::string& quantity, const std::string& unit, const std::string& conditions,
                                  const std::string& key_conditions, double t);

  db::Store& store_;
  db::RunId run_;
  std::shared_ptr<Clock> clock_;
  std::map<std::string, db::SeriesId> series_;
  std::size_t records_ = 0, results_ = 0;
};

}  // namespace ledlab::engine
