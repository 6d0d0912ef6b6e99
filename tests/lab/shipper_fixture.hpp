#pragma once
// The shipper tests' common ground: a station role in a fresh lab database, and the check that
// the lab's copy of a store is the store's, every sample exactly once.
#include "db/chunk_codec.hpp"
#include "db/lab/lab_admin.hpp"
#include "db/lab/pg.hpp"
#include "db/reader.hpp"
#include "support/pg_cluster.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include <bit>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace ledlab::test {

inline PgCluster& lab_cluster() {
  static PgCluster c;
  return c;
}

struct LabStation {
  std::string db, station, role, password, url;
};

// A station role in database `db` (roles are cluster-wide: named after the database).
inline LabStation add_lab_station(const std::string& db, const std::string& station) {
  LabStation s{db, station, fmt::format("st_{}_{}", db, station), fmt::format("pw-{}-{}", db, station), {}};
  auto admin = db::lab::PgConnection::connect(lab_cluster().admin_url(db));
  REQUIRE(admin);
  auto added = db::lab::add_station(*admin, station, s.role, s.password);
  if (!added) FAIL(added.error().describe());
  s.url = lab_cluster().url(s.role, s.password, db);
  return s;
}

inline db::lab::PgConnection lab_admin(const std::string& db) {
  auto c = db::lab::PgConnection::connect(lab_cluster().admin_url(db));
  if (!c) FAIL(c.error().describe());
  return std::move(*c);
}

inline std::int64_t lab_count(db::lab::PgConnection& pg, const std::string& sql) {
  auto r = pg.query(sql);
  if (!r) FAIL(r.error().describe());
  return r->int64(0, 0).value_or(-1);
}

// Order-sensitive digest of a series' samples, every bit of every double.
struct Digest {
  std::uint64_t h = 1469598103934665603ull;
  std::int64_t n = 0;
  void add(double t, double v) {
    for (std::uint64_t x : {std::bit_cast<std::uint64_t>(t), std::bit_cast<std::uint64_t>(v)}) h = (h ^ x) * 1099511628211ull;
    ++n;
  }
  bool operator==(const Digest&) const = default;
};

// The lab's copy of one run equals the store's: per series the same samples in the same
// order with no gap and no overlap between chunks, the same result and event ids.
inline void require_lab_copy_equals_store(db::lab::PgConnection& pg, db::Reader& store, const std::string& uuid) {
  auto run = store.find_run(uuid);
  REQUIRE(run);
  auto series = store.series(run->id);
  REQUIRE(series);
  for (const auto& s : *series) {
    Digest local;
    REQUIRE(store.for_each_sample(s.id, [&](const db::Sample& x) { local.add(x.t_s, x.value); }));
    auto chunks = pg.query("SELECT first_seq, n, data FROM ledlab.chunks WHERE run_uuid = $1::uuid AND series_id = $2::bigint "
                           "ORDER BY first_seq",
                           {uuid, std::to_string(s.id)});
    REQUIRE(chunks);
    Digest lab;
    for (int r = 0; r < chunks->rows(); ++r) {
      INFO("series " << s.id << " chunk at " << chunks->text(r, 0));
      REQUIRE(chunks->int64(r, 0) == lab.n);  // contiguous: nothing twice, nothing missing
      const std::string data = chunks->bytea(r, 2);
      std::vector<double> t, v;
      REQUIRE(db::decode_chunk({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()}, t, v));
      REQUIRE(static_cast<std::int64_t>(t.size()) == chunks->int64(r, 1));
      for (std::size_t i = 0; i < t.size(); ++i) lab.add(t[i], v[i]);
    }
    INFO("series " << s.id << " local " << local.n << " lab " << lab.n);
    CHECK(lab == local);
  }
  auto results = store.results(run->id);
  REQUIRE(results);
  auto lab_results = pg.query("SELECT result_id, value FROM ledlab.results WHERE run_uuid = $1::uuid ORDER BY result_id", {uuid});
  REQUIRE(lab_results);
  REQUIRE(lab_results->rows() == static_cast<int>(results->size()));
  for (int i = 0; i < lab_results->rows(); ++i) {
    CHECK(lab_results->int64(i, 0) == (*results)[static_cast<std::size_t>(i)].id);
    CHECK(std::bit_cast<std::uint64_t>(*lab_results->float8(i, 1)) ==
          std::bit_cast<std::uint64_t>((*results)[static_cast<std::size_t>(i)].value));
  }
  auto events = store.events(run->id);
  REQUIRE(events);
  auto lab_events = pg.query("SELECT count(*), coalesce(max(event_id), 0) FROM ledlab.events WHERE run_uuid = $1::uuid", {uuid});
  REQUIRE(lab_events);
  CHECK(lab_events->int64(0, 0) == static_cast<std::int64_t>(events->size()));
  CHECK(lab_events->int64(0, 1) == (events->empty() ? 0 : events->back().id));
  auto status = pg.query("SELECT status FROM ledlab.runs WHERE run_uuid = $1::uuid", {uuid});
  REQUIRE(status);
  REQUIRE(status->rows() == 1);
  CHECK(status->text(0, 0) == db::to_string(run->status));
}

// Polls `condition` until it holds; false after `timeout` (a safety net, not a delay).
inline bool wait_until(const std::function<bool()>& condition, std::chrono::seconds timeout = std::chrono::seconds(120)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace ledlab::test
