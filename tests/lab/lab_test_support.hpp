#pragma once
// Helpers of the lab database tests: one private cluster per test program, connections that
// fail the test with the error's words, and stations with login roles unique to a database
// (roles are cluster-wide; databases are per test case).
#include "db/lab/lab_admin.hpp"
#include "db/lab/pg.hpp"
#include "support/pg_cluster.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace ledlab::lab_test {

inline test::PgCluster& cluster() {
  static test::PgCluster c;
  return c;
}

inline db::lab::PgConnection connect_or_fail(const std::string& url) {
  auto c = db::lab::PgConnection::connect(url);
  if (!c) FAIL(c.error().describe());
  return std::move(*c);
}

inline db::lab::PgResult query_or_fail(db::lab::PgConnection& c, const std::string& sql) {
  auto r = c.query(sql);
  if (!r) FAIL(r.error().describe());
  return std::move(*r);
}

struct Login {
  std::string role;
  std::string password;
  std::string url;
};

// A station `name` of database `db` with its own login role.
inline Login add_station_or_fail(db::lab::PgConnection& admin, const std::string& db, const std::string& name) {
  Login l{db::lab::default_station_role(name) + "_" + db, "pw:" + name + "/" + db + "@x", {}};
  if (auto s = db::lab::add_station(admin, name, l.role, l.password); !s) FAIL(s.error().describe());
  l.url = cluster().url(l.role, l.password, db);
  return l;
}

inline Login add_reader_or_fail(db::lab::PgConnection& admin, const std::string& db) {
  Login l{"reader_" + db, "read&" + db, {}};
  if (auto s = db::lab::add_reader(admin, l.role, l.password); !s) FAIL(s.error().describe());
  l.url = cluster().url(l.role, l.password, db);
  return l;
}

// A minimal run row of `station`.
inline std::string insert_run_sql(const std::string& uuid, const std::string& station) {
  return "INSERT INTO ledlab.runs(run_uuid, station, run_month, local_run_id, started_s, status) VALUES ('" + uuid +
         "', '" + station + "', '2026-11-01', 1, 0, 'finished')";
}

}  // namespace ledlab::lab_test
