#include "db/schema.hpp"

#include "db/sample_chunks.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace ledlab::db {
namespace {

// Version 1: the first released layout.
constexpr const char* kV1 = R"sql(
CREATE TABLE runs(
  run_id         INTEGER PRIMARY KEY,
  uuid           TEXT NOT NULL UNIQUE,
  sequence       TEXT NOT NULL,
  script_text    TEXT NOT NULL,
  script_sha256  TEXT NOT NULL,
  parameters     TEXT NOT NULL DEFAULT '{}',
  station        TEXT NOT NULL DEFAULT '{}',
  operator       TEXT NOT NULL DEFAULT '',
  dut_serial     TEXT NOT NULL DEFAULT '',
  host           TEXT NOT NULL,
  ledlab_version TEXT NOT NULL,
  started_s      REAL NOT NULL,
  ended_s        REAL,
  status         TEXT NOT NULL
    CHECK(status IN ('running','finished','aborted','failed','interrupted'))
);
CREATE INDEX runs_by_dut ON runs(dut_serial, started_s);
CREATE INDEX runs_by_sequence ON runs(sequence, started_s);
CREATE INDEX runs_by_status ON runs(status);

CREATE TABLE instruments(
  instrument_id INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(run_id),
  name          TEXT NOT NULL,
  kind          TEXT NOT NULL DEFAULT '',
  resource      TEXT NOT NULL DEFAULT '',
  idn           TEXT NOT NULL DEFAULT '',
  settings      TEXT NOT NULL DEFAULT '{}',
  UNIQUE(run_id, name)
);

CREATE TABLE duts(
  serial      TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  info        TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE lanes(
  dut_serial TEXT NOT NULL REFERENCES duts(serial),
  lane       INTEGER NOT NULL,
  row        INTEGER,
  col        INTEGER,
  label      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(dut_serial, lane)
) WITHOUT ROWID;

CREATE TABLE series(
  series_id  INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(run_id),
  lane       INTEGER,
  quantity   TEXT NOT NULL,
  unit       TEXT NOT NULL DEFAULT '',
  conditions TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX series_by_run ON series(run_id);

-- One row per value, appended only. No secondary index: series lookups go through
-- sample_blocks, which names the contiguous sample_id range each commit gave a series.
CREATE TABLE samples(
  sample_id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  t_s       REAL NOT NULL,
  value     REAL NOT NULL
);
CREATE TABLE sample_blocks(
  block_id     INTEGER PRIMARY KEY,
  series_id    INTEGER NOT NULL REFERENCES series(series_id),
  first_sample INTEGER NOT NULL,
  last_sample  INTEGER NOT NULL,
  n            INTEGER NOT NULL,
  t_min        REAL NOT NULL,
  t_max        REAL NOT NULL
);
CREATE INDEX sample_blocks_by_series ON sample_blocks(series_id, block_id);

CREATE TABLE results(
  result_id   INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(run_id),
  name        TEXT NOT NULL,
  lane        INTEGER,
  value       REAL NOT NULL,
  unit        TEXT NOT NULL DEFAULT '',
  lower_limit REAL,
  upper_limit REAL,
  pass        INTEGER CHECK(pass IN (0,1)),
  extra       TEXT NOT NULL DEFAULT '{}',
  t_s         REAL NOT NULL
);
CREATE INDEX results_by_run ON results(run_id, name, lane);

CREATE TABLE events(
  event_id INTEGER PRIMARY KEY,
  run_id   INTEGER NOT NULL REFERENCES runs(run_id),
  t_s      REAL NOT NULL,
  kind     TEXT NOT NULL CHECK(kind IN ('state','alarm','fault','operator','info')),
  source   TEXT NOT NULL DEFAULT '',
  message  TEXT NOT NULL,
  data     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_run ON events(run_id, event_id);
)sql";

// Version 2: run ownership (so a run whose process died can be told from a live one)
// and checkpoints for resume after a crash.
constexpr const char* kV2 = R"sql(
ALTER TABLE runs ADD COLUMN owner_pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN owner_token TEXT NOT NULL DEFAULT '';
CREATE TABLE checkpoints(
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  name   TEXT NOT NULL,
  state  TEXT NOT NULL DEFAULT '{}',
  t_s    REAL NOT NULL,
  PRIMARY KEY(run_id, name)
) WITHOUT ROWID;
)sql";

// Version 3: resume after a crash without duplicates. A checkpoint remembers how far the
// samples and results tables had got when it was taken; resuming moves what a run recorded
// after its last checkpoint (the step it will now redo) into the superseded_* tables.
constexpr const char* kV3 = R"sql(
ALTER TABLE checkpoints ADD COLUMN sample_mark INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checkpoints ADD COLUMN result_mark INTEGER NOT NULL DEFAULT 0;
CREATE TABLE superseded_samples(
  sample_id    INTEGER PRIMARY KEY,
  series_id    INTEGER NOT NULL,
  t_s          REAL NOT NULL,
  value        REAL NOT NULL,
  superseded_s REAL NOT NULL
);
CREATE TABLE superseded_results(
  result_id    INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(run_id),
  name         TEXT NOT NULL,
  lane         INTEGER,
  value        REAL NOT NULL,
  unit         TEXT NOT NULL DEFAULT '',
  lower_limit  REAL,
  upper_limit  REAL,
  pass         INTEGER,
  extra        TEXT NOT NULL DEFAULT '{}',
  t_s          REAL NOT NULL,
  superseded_s REAL NOT NULL
);
)sql";

// Version 4: samples in compressed per-series chunks (db/sample_chunks.hpp). The newest
// samples of a series are hot rows until the writer compacts them; chunk metadata and chunk
// data are separate tables so that summaries read no compressed data. A checkpoint marks each
// series' sample count instead of a global sample_id.
constexpr const char* kV4 = R"sql(
CREATE TABLE chunks(
  chunk_id  INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL REFERENCES series(series_id),
  first_seq INTEGER NOT NULL,
  n         INTEGER NOT NULL CHECK(n > 0),
  t_min     REAL NOT NULL,
  t_max     REAL NOT NULL,
  v_min     REAL,
  v_max     REAL,
  v_sum     REAL,
  v_first   REAL,
  v_last    REAL,
  bytes     INTEGER NOT NULL
);
CREATE INDEX chunks_by_series ON chunks(series_id, first_seq);
CREATE TABLE chunk_data(
  chunk_id INTEGER PRIMARY KEY,
  data     BLOB NOT NULL
);
CREATE TABLE chunk_rollups(
  chunk_id INTEGER PRIMARY KEY,
  data     BLOB NOT NULL
);
CREATE TABLE hot_samples(
  hot_id    INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  t_s       REAL NOT NULL,
  value     REAL NOT NULL
);
ALTER TABLE checkpoints ADD COLUMN series_marks TEXT NOT NULL DEFAULT '[]';
)sql";

Status v4_data(Connection& conn) {
  if (auto s = convert_v3_samples(conn); !s) return s;
  return conn.exec("DROP TABLE sample_blocks; DROP TABLE samples;");
}

// Version 5: one verdict per result and a qualifier on its value. `verdict` says what the
// result counts as (a dead lane is neither pass nor fail); `pass` stays, kept equal to it
// (1 pass, 0 fail, NULL otherwise), so a reader that only knows `pass` still counts right.
// `qualifier` '>' or '<' says the value is a bound (a lifetime capped at the TM-21 limit is
// at least the value). SQLite checks the CHECK constraints of an added column against the
// rows already there (SQLite docs, "ALTER TABLE ... ADD COLUMN"): the defaults satisfy them.
constexpr const char* kV5 = R"sql(
ALTER TABLE results ADD COLUMN qualifier TEXT NOT NULL DEFAULT '' CHECK(qualifier IN ('','>','<'));
ALTER TABLE results ADD COLUMN verdict TEXT NOT NULL DEFAULT 'not_judged'
  CHECK(verdict IN ('pass','fail','dead','not_judged'));
ALTER TABLE superseded_results ADD COLUMN qualifier TEXT NOT NULL DEFAULT '';
ALTER TABLE superseded_results ADD COLUMN verdict TEXT NOT NULL DEFAULT 'not_judged';
)sql";

// A v4 result of a dead lane was marked by `extra.dead` and usually failed as well: it
// becomes dead, neither pass nor fail. Every other row's verdict is its `pass`.
// json_valid() first: json_extract() raises an error on text that is not JSON.
Status v5_data(Connection& conn) {
  for (const char* table : {"results", "superseded_results"}) {
    const std::string sql = fmt::format(
        "UPDATE {0} SET verdict = CASE "
        "WHEN CASE WHEN json_valid(extra) THEN json_extract(extra, '$.dead') END = 1 THEN 'dead' "
        "WHEN pass = 1 THEN 'pass' WHEN pass = 0 THEN 'fail' ELSE 'not_judged' END; "
        "UPDATE {0} SET pass = NULL WHERE verdict = 'dead';",
        table);
    if (auto s = conn.exec(sql); !s) return s;
  }
  return {};
}

// Version 6: batches (issue 17). Several DUT sockets of one station run one sequence together,
// each as its own run; the batch ties them together (one chamber, one start). A run outside a
// batch keeps batch_id NULL and socket ''. SQLite allows ADD COLUMN with a REFERENCES clause
// when the default is NULL (SQLite docs, "ALTER TABLE ... ADD COLUMN").
constexpr const char* kV6 = R"sql(
CREATE TABLE batches(
  batch_id  INTEGER PRIMARY KEY,
  uuid      TEXT NOT NULL UNIQUE,
  sequence  TEXT NOT NULL,
  station   TEXT NOT NULL DEFAULT '',
  operator  TEXT NOT NULL DEFAULT '',
  started_s REAL NOT NULL,
  ended_s   REAL
);
ALTER TABLE runs ADD COLUMN batch_id INTEGER REFERENCES batches(batch_id);
ALTER TABLE runs ADD COLUMN socket TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_by_batch ON runs(batch_id);
)sql";

struct Migration {
  const char* sql;
  Status (*data)(Connection&) = nullptr;  // moves data the SQL alone cannot
};
const std::array kMigrations{Migration{kV1}, Migration{kV2}, Migration{kV3}, Migration{kV4, v4_data},
                            Migration{kV5, v5_data}, Migration{kV6}};  // [i]: i -> i+1
static_assert(kMigrations.size() == kSchemaVersion);

}  // namespace

Result<int> schema_version(Connection& conn) {
  auto v = conn.query_int("PRAGMA user_version");
  if (!v) return fail(v.error());
  return static_cast<int>(*v);
}

namespace {

using Columns = std::set<std::pair<std::string, std::string>>;  // (table, column)

Result<Columns> columns_of(Connection& conn) {
  auto st = conn.prepare(
      "SELECT m.name, c.name FROM sqlite_schema AS m JOIN pragma_table_info(m.name) AS c WHERE m.type = 'table'");
  if (!st) return fail(st.error());
  Columns out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.emplace(st->column_text(0), st->column_text(1));
  }
}

}  // namespace

Status check_schema(Connection& conn, int version) {
  if (version > kSchemaVersion)
    return fail(Errc::storage, fmt::format("unsupported: schema version {} is newer than this ledlab ({})", version,
                                           kSchemaVersion));
  if (version < 0)
    return fail(Errc::storage, fmt::format("unsupported: not a ledlab results store (schema version {})", version));
  if (version == 0) {
    // Version 0 with tables in it is somebody else's database: refuse rather than mix.
    auto tables = conn.query_int("SELECT count(*) FROM sqlite_schema WHERE type='table'");
    if (!tables) return fail(tables.error());
    if (*tables > 0) return fail(Errc::storage, "unsupported: not a ledlab results store (foreign tables, no version)");
    return {};
  }
  // What the migrations up to `version` create, built afresh in memory: a file that claims the
  // version must hold at least these tables and columns (another program may use user_version).
  auto reference = Connection::open(":memory:", Connection::Mode::read_write_create);
  if (!reference) return fail(reference.error());
  if (auto s = migrate(*reference, version); !s) return s;
  auto want = columns_of(*reference);
  if (!want) return fail(want.error());
  auto have = columns_of(conn);
  if (!have) return fail(have.error());
  for (const auto& [table, column] : *want) {
    if (have->contains({table, column})) continue;
    const bool table_known = std::any_of(have->begin(), have->end(), [&](const auto& tc) { return tc.first == table; });
    return fail(Errc::storage,
                table_known ? fmt::format("unsupported: not a ledlab results store (schema version {}, but table '{}' "
                                          "has no column '{}')", version, table, column)
                            : fmt::format("unsupported: not a ledlab results store (schema version {}, but no table '{}')",
                                          version, table));
  }
  return {};
}

Status check_store(Connection& conn) {
  // One read transaction, so the version and the tables come from the same commit: another
  // process may be creating the file at this moment.
  if (auto s = conn.exec("BEGIN"); !s) return s;
  auto version = schema_version(conn);
  Status result = version ? check_schema(conn, *version) : Status(fail(version.error()));
  (void)conn.exec("COMMIT");  // nothing was written; ending the read cannot lose anything
  return result;
}

Status migrate(Connection& conn, int target) {
  if (target < 0 || target > kSchemaVersion) return fail(Errc::invalid_argument, "no such schema version");
  // Each step reads the version inside its own BEGIN IMMEDIATE transaction, which holds the
  // write lock (SQLite docs, "Transaction", lang_transaction.html): two processes creating the
  // same new file take turns (the busy timeout waits), and the second sees what the first
  // committed instead of running the same CREATE TABLE again.
  for (bool first = true;; first = false) {
    auto tx = Transaction::begin(conn);
    if (!tx) return fail(tx.error());
    auto version = schema_version(conn);
    if (!version) return fail(version.error());
    // What was found on opening is checked in full; later versions are the ones just written
    // (by this process or by another one that got the lock first).
    if (first || *version > kSchemaVersion)
      if (auto s = check_schema(conn, *version); !s) return s;
    if (*version >= target) return {};  // nothing written: the transaction rolls back
    const Migration& step = kMigrations[static_cast<std::size_t>(*version)];
    if (auto s = conn.exec(step.sql); !s) return s;
    if (step.data)
      if (auto s = step.data(conn); !s) return s;
    if (auto s = conn.exec(fmt::format("PRAGMA user_version = {}", *version + 1)); !s) return s;
    if (auto s = tx->commit(); !s) return s;
  }
}

Status configure_writer(Connection& conn) {
  // Switching to WAL needs an exclusive lock. SQLite returns SQLITE_BUSY at once, without its
  // busy handler, when that could deadlock with another connection waiting for the write lock
  // (SQLite docs, "sqlite3_busy_handler"): as when several processes create the same new
  // file. So wait here as the busy timeout would, in short steps.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  // A new file gets 64 KiB pages: a full chunk (about 190 KB for a lane's 65,536 readings) is
  // then three or four pages, so reading a lane's six weeks cold is a few hundred reads rather
  // than thousands. SQLite ignores this on a file that already has pages (SQLite docs,
  // "PRAGMA page_size"), and a sweep's hot rows still append to one page per commit.
  if (auto s = conn.exec("PRAGMA page_size = 65536"); !s) return s;
  Result<std::string> mode = conn.query_text("PRAGMA journal_mode = WAL");
  while (!mode && (conn.last_error_code() & 0xff) == SQLITE_BUSY && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    mode = conn.query_text("PRAGMA journal_mode = WAL");
  }
  if (!mode) return fail(mode.error());
  if (*mode != "wal" && *mode != "memory")
    return fail(Errc::storage, fmt::format("cannot switch to WAL (journal_mode is {})", *mode));
  // A 64 MiB page cache keeps the B-tree edges of a long run in memory.
  return conn.exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;");
}

}  // namespace ledlab::db
