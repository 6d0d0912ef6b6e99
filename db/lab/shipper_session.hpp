#pragma once
// One connection's shipping: passes over the local store, run by run, in bounded transactions.
// What it caches (months whose partitions exist, DUTs sent, resumes already handled) is only
// valid for its connection: a reconnect starts a new session, which reads the marks again.
#include "db/lab/shipper.hpp"
#include "db/lab/shipper_pg.hpp"

#include <map>
#include <set>
#include <string>

namespace ledlab::db::lab {

class ShipSession {
 public:
  ShipSession(PgConnection& lab, db::Reader& store, const ShipperOptions& options)
      : lab_(lab), store_(store), options_(options) {}

  // Ships everything committed now. complete(): the pass left nothing behind.
  Result<ShipCounts> pass();
  bool complete() const { return complete_; }
  // The runs the last pass shipped (uuids): those not yet whole in the lab database.
  const std::set<std::string>& touched() const { return touched_; }

 private:
  Status check_station();
  // Ships one run in as many transactions as it takes.
  Status ship_run(const RunRecord& run, ShipCounts& counts);
  // One transaction's worth; true when the run is now all in the lab database. `marks` (what
  // the lab database holds of the run) is brought up to date when the piece commits.
  Result<bool> ship_piece(RunId run, PgRunMarks& marks, ShipCounts& counts);
  Status insert_run(const RunRecord& run, const RunKey& key);
  Status upsert_batch(const RunRecord& run);
  Status ship_instruments(const RunRecord& run, const RunKey& key);
  Status ship_dut(const RunRecord& run);
  Status ship_checkpoints(RunId run, const RunKey& key);
  Status ensure_month(const RunKey& key);
  // A local resume set samples/results aside: moves what the lab has of them into
  // ledlab.superseded_chunks / superseded_results (shipper_resume.cpp).
  Status supersede(RunId run, const RunKey& key, const std::vector<SeriesRecord>& series, const PgRunMarks& marks,
                   const HotRows& hot);
  Status supersede_results(RunId run, const RunKey& key);

  PgConnection& lab_;
  db::Reader& store_;
  const ShipperOptions& options_;
  bool station_checked_ = false;
  bool complete_ = false;
  std::set<std::string> months_, duts_, touched_;
  std::map<RunId, SupersededCounts> superseded_seen_;
  std::set<RunId> sealed_;  // runs whose trailing chunks were shipped again from the store's final ones
};

}  // namespace ledlab::db::lab
