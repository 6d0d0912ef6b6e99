#pragma once
// Store-and-forward of a station's local store (SQLite) to the lab database (PostgreSQL).
//
// The local store is written first, exactly as without a lab database; the shipper reads it
// with its own db::Reader and copies what is committed. Exactly once: every PostgreSQL table
// has a primary key on the local ids, and the data is its own high-water mark, committed in the
// same transaction as the data (a series' shipped count is max(first_seq + n) of its PG chunks,
// results max(result_id), events max(event_id) of the run). After every (re)connect the marks
// are read from PostgreSQL again; the sidecar (ship_state.hpp) is only a cache for `lab status`.
//
// A pass ships run by run, each in transactions of at most `max_rows_per_transaction` rows
// (a chunk of up to 65,536 samples is one row; results and events one each) and 64 MiB of
// chunk data, so a week-long 400-lane run goes in pieces and memory stays bounded by one chunk
// whatever the backlog. A run's marks are read once per pass and carried from one of its
// transactions to the next (the pass holds the station's advisory lock).
#include "db/lab/pg.hpp"
#include "db/reader.hpp"

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ledlab::db::lab {

struct ShipperOptions {
  std::string url;                        // lab database (may contain a password: never logged)
  std::filesystem::path store;            // local SQLite store
  std::string station;                    // the station name this store ships as
  double poll_s = 0.5;                    // how often to look for new commits
  double retry_min_s = 1, retry_max_s = 300;  // reconnect backoff
  std::size_t max_rows_per_transaction = 200000;  // chunk, result and event rows (see above)
};

struct ShipCounts {
  std::int64_t runs = 0, series = 0, chunks = 0, samples = 0, results = 0, events = 0;
  ShipCounts& operator+=(const ShipCounts& o);
};

// A series' trailing chunks shorter than a full one are merged into one when there are this
// many (the local store's own rule, db/SCHEMA.md "Compaction"), so live 1 Hz data shipped a
// little at a time ends up as about as many PG chunks as local ones.
inline constexpr std::size_t kMergeTrailingChunks = 16;
inline constexpr std::int64_t kFullChunkSamples = 65536;

class ShipSession;

// A message as it may be shown or stored: `url` in it redacted, its password nowhere.
std::string scrub_url(std::string message, const std::string& url);
double now_unix_s();

// One pass: ships everything committed in `store` now, run by run, each in bounded transactions.
// Refuses (Errc::config) a role whose station is not options.station; Errc::storage "another
// shipper holds station X" while another session holds the station's advisory lock.
Result<ShipCounts> ship_pending(PgConnection& lab, db::Reader& store, const ShipperOptions&);

class Shipper {  // the background thread; never blocks the caller
 public:
  static Result<std::unique_ptr<Shipper>> start(ShipperOptions);
  ~Shipper();
  Shipper(const Shipper&) = delete;
  Shipper& operator=(const Shipper&) = delete;

  void notify();  // new data committed: ship soon
  // Waits up to `grace_s` for everything committed so far to arrive; false when it did not.
  bool drain(double grace_s);
  void stop();
  struct Status {
    bool connected = false;
    std::string last_error;
    double last_error_s = 0;
    ShipCounts shipped;
    double lag_s = 0;  // how long data has been waiting (0: nothing pending after the last pass)
    bool tls = false;
  };
  Status status() const;

 private:
  explicit Shipper(ShipperOptions options);
  void loop();
  // Waits until stop, or `seconds`, or (when `wake_on_notify`) a notify or drain request.
  void wait_for(double seconds, bool wake_on_notify);
  void note_error(const Error& error, bool disconnected, bool quiet = false);

  ShipperOptions options_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, drained_;
  bool stop_ = false;
  std::uint64_t notified_ = 0;       // notify() and drain() calls
  std::uint64_t clean_through_ = 0;  // a pass that began after this many requests left nothing pending
  Status status_;
  double pending_since_s_ = 0;  // 0: nothing pending
};

}  // namespace ledlab::db::lab
