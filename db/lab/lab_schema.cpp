#include "db/lab/lab_schema.hpp"

#include <fmt/format.h>

#include <array>

namespace ledlab::db::lab {

namespace {

// Version 1. The group roles are cluster-wide, so a second database of the same cluster finds
// them already there. Data tables carry the station's name on every row, for row-level
// security; partitioned ones also the run's month (first day, UTC), for pruning and so that a
// lab with years of runs keeps its indexes small. `json`, not `jsonb`: stored text comes back
// byte for byte, as the local store holds it.
constexpr const char* kV1 = R"sql(
-- Looked up first: an owner without CREATEROLE may init a second database once the roles exist.
DO $roles$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledlab_station') THEN
    BEGIN CREATE ROLE ledlab_station NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledlab_reader') THEN
    BEGIN CREATE ROLE ledlab_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
END $roles$;

CREATE SCHEMA IF NOT EXISTS ledlab;
REVOKE ALL ON SCHEMA ledlab FROM PUBLIC;
GRANT USAGE ON SCHEMA ledlab TO ledlab_station, ledlab_reader;

CREATE TABLE ledlab.schema_version(
  version        int PRIMARY KEY,
  applied_at     timestamptz NOT NULL DEFAULT now(),
  ledlab_version text NOT NULL
);

CREATE TABLE ledlab.stations(
  station    text PRIMARY KEY CHECK (station ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
  role       name UNIQUE NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The station the connected role writes as (NULL for any other role). SECURITY INVOKER and
-- fully qualified, so the planner can inline it into the policies below.
CREATE FUNCTION ledlab.my_station() RETURNS text LANGUAGE sql STABLE SECURITY INVOKER
  AS $f$ SELECT station FROM ledlab.stations WHERE role = current_user $f$;

CREATE TABLE ledlab.batches(
  batch_uuid     uuid PRIMARY KEY,
  station        text NOT NULL,
  local_batch_id bigint,
  sequence       text,
  station_name   text,
  operator       text,
  started_s      float8,
  ended_s        float8
);

CREATE TABLE ledlab.runs(
  run_uuid       uuid PRIMARY KEY,
  station        text NOT NULL,
  run_month      date NOT NULL CHECK (run_month = date_trunc('month', run_month)::date),
  local_run_id   bigint NOT NULL,
  sequence       text,
  script_text    text,
  script_sha256  text,
  parameters     json,
  station_config json,
  operator       text,
  dut_serial     text,
  dut_type       text NOT NULL DEFAULT '',
  host           text,
  ledlab_version text,
  started_s      float8 NOT NULL,
  ended_s        float8,
  status         text NOT NULL,
  batch_uuid     uuid,
  socket         text NOT NULL DEFAULT '',
  shipped_at     timestamptz NOT NULL DEFAULT now(),
  owner_pid      bigint NOT NULL DEFAULT 0,  -- the local runs.owner_pid / owner_token: `show` prints the pid
  owner_token    text NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_station ON ledlab.runs(station, started_s);
CREATE INDEX runs_by_dut ON ledlab.runs(dut_serial, started_s);
CREATE INDEX runs_by_dut_type ON ledlab.runs(dut_type, started_s);
CREATE INDEX runs_by_sequence ON ledlab.runs(sequence, started_s);
CREATE INDEX runs_by_batch ON ledlab.runs(batch_uuid);

CREATE TABLE ledlab.instruments(
  run_uuid uuid NOT NULL,
  station  text NOT NULL,
  instrument_id bigint NOT NULL,
  name     text NOT NULL,
  kind     text,
  resource text,
  idn      text,
  settings json,
  PRIMARY KEY(run_uuid, name)
);

CREATE TABLE ledlab.duts(
  station     text NOT NULL,
  serial      text NOT NULL,
  description text,
  info        json,
  PRIMARY KEY(station, serial)
);

CREATE TABLE ledlab.lanes(
  station    text NOT NULL,
  dut_serial text NOT NULL,
  lane       int NOT NULL,
  "row"      int,
  col        int,
  label      text,
  PRIMARY KEY(station, dut_serial, lane)
);

CREATE TABLE ledlab.checkpoints(
  run_uuid     uuid NOT NULL,
  station      text NOT NULL,
  name         text NOT NULL,
  state        json,
  t_s          float8,
  result_mark  bigint,
  series_marks json,
  PRIMARY KEY(run_uuid, name)
);

CREATE TABLE ledlab.series(
  run_month  date NOT NULL,
  run_uuid   uuid NOT NULL,
  station    text NOT NULL,
  series_id  bigint NOT NULL,
  lane       int,
  quantity   text,
  unit       text,
  conditions json,
  PRIMARY KEY(run_month, run_uuid, series_id)
) PARTITION BY RANGE (run_month);

CREATE TABLE ledlab.chunks(
  run_month date NOT NULL,
  run_uuid  uuid NOT NULL,
  station   text NOT NULL,
  series_id bigint NOT NULL,
  first_seq bigint NOT NULL,
  n         int NOT NULL,
  t_min     float8,
  t_max     float8,
  v_min     float8,
  v_max     float8,
  v_sum     float8,
  v_first   float8,
  v_last    float8,
  data      bytea NOT NULL,
  PRIMARY KEY(run_month, run_uuid, series_id, first_seq)
) PARTITION BY RANGE (run_month);

CREATE TABLE ledlab.results(
  run_month   date NOT NULL,
  run_uuid    uuid NOT NULL,
  station     text NOT NULL,
  result_id   bigint NOT NULL,
  name        text,
  lane        int,
  value       float8,
  unit        text,
  lower_limit float8,
  upper_limit float8,
  pass        smallint,
  extra       json,
  t_s         float8,
  qualifier   text,
  verdict     text,
  PRIMARY KEY(run_month, run_uuid, result_id)
) PARTITION BY RANGE (run_month);

CREATE TABLE ledlab.events(
  run_month date NOT NULL,
  run_uuid  uuid NOT NULL,
  station   text NOT NULL,
  event_id  bigint NOT NULL,
  t_s       float8,
  kind      text,
  source    text,
  message   text,
  data      json,
  PRIMARY KEY(run_month, run_uuid, event_id)
) PARTITION BY RANGE (run_month);

-- Rows of a month without its own partition land here rather than fail; ensure_month moves
-- them out when it creates the month.
CREATE TABLE ledlab.series_default PARTITION OF ledlab.series DEFAULT;
CREATE TABLE ledlab.chunks_default PARTITION OF ledlab.chunks DEFAULT;
CREATE TABLE ledlab.results_default PARTITION OF ledlab.results DEFAULT;
CREATE TABLE ledlab.events_default PARTITION OF ledlab.events DEFAULT;

-- Chunk data is compressed already (db/chunk_codec.hpp): EXTERNAL keeps TOAST from trying
-- pglz on it again (PostgreSQL docs, "TOAST", storage strategies), which only costs CPU.
-- Set on the parent, it reaches every partition (ensure_month copies it: INCLUDING STORAGE).
ALTER TABLE ledlab.chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- What a resumed run redid: moved here, never deleted (not partitioned: rare).
CREATE TABLE ledlab.superseded_chunks(
  run_month date NOT NULL, run_uuid uuid NOT NULL, station text NOT NULL, series_id bigint NOT NULL,
  first_seq bigint NOT NULL, n int NOT NULL, t_min float8, t_max float8, v_min float8, v_max float8,
  v_sum float8, v_first float8, v_last float8, data bytea NOT NULL,
  superseded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX superseded_chunks_by_run ON ledlab.superseded_chunks(run_uuid, series_id, first_seq);
ALTER TABLE ledlab.superseded_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE ledlab.superseded_results(
  run_month date NOT NULL, run_uuid uuid NOT NULL, station text NOT NULL, result_id bigint NOT NULL,
  name text, lane int, value float8, unit text, lower_limit float8, upper_limit float8, pass smallint,
  extra json, t_s float8, qualifier text, verdict text,
  superseded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX superseded_results_by_run ON ledlab.superseded_results(run_uuid, result_id);

-- The month's partitions of series, chunks, results and events, created if missing, with any
-- rows of that month moved out of the DEFAULT partitions (ATTACH refuses while they are
-- there). SECURITY DEFINER: stations may not create tables, but may ask for their month.
-- Subtransaction per table: a concurrent caller that created it first is not an error.
CREATE FUNCTION ledlab.ensure_month(m date) RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
  first_day date;
  next_day  date;
  t         text;
  part      text;
BEGIN
  IF m IS NULL OR m < date '2000-01-01' OR m >= date '2200-01-01' THEN
    RAISE EXCEPTION 'ledlab.ensure_month: % is not a plausible run month', m USING ERRCODE = '22008';
  END IF;
  first_day := date_trunc('month', m)::date;
  next_day := (first_day + interval '1 month')::date;
  FOREACH t IN ARRAY ARRAY['series', 'chunks', 'results', 'events'] LOOP
    part := t || '_' || to_char(first_day, 'YYYY_MM');
    CONTINUE WHEN to_regclass('ledlab.' || quote_ident(part)) IS NOT NULL;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('ledlab:ensure_month'));
      EXECUTE format('CREATE TABLE ledlab.%I (LIKE ledlab.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)', part, t);
      EXECUTE format('WITH moved AS (DELETE FROM ledlab.%I WHERE run_month >= $1 AND run_month < $2 RETURNING *) '
                     'INSERT INTO ledlab.%I SELECT * FROM moved', t || '_default', part) USING first_day, next_day;
      EXECUTE format('ALTER TABLE ledlab.%I ATTACH PARTITION ledlab.%I FOR VALUES FROM (%L) TO (%L)',
                     t, part, first_day, next_day);
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
      NULL;
    END;
  END LOOP;
END $f$;
REVOKE ALL ON FUNCTION ledlab.ensure_month(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledlab.ensure_month(date) TO ledlab_station;

-- Least privilege. Grants name the parent tables only: partitions stay the owner's.
GRANT SELECT ON ledlab.schema_version, ledlab.stations TO ledlab_station, ledlab_reader;
)sql";

// Every table with a station column but chunks: stations see and change only their own rows,
// readers see all. ledlab.stations itself has no policy: the policies read it through
// my_station(), and it holds no secret.
constexpr std::array kStationTables = {"batches", "runs",   "instruments", "duts",   "lanes",
                                       "checkpoints", "series", "results", "events",
                                       "superseded_chunks", "superseded_results"};

// ledlab.chunks holds nearly all the bytes, and PostgreSQL refuses COPY FROM into a table
// under row-level security (PostgreSQL docs, "COPY", Notes), so staging would write every chunk
// twice. Instead: no row-level security on chunks; stations may only INSERT into it, and a
// BEFORE INSERT row trigger (cloned to every partition, PostgreSQL docs, "CREATE TRIGGER")
// refuses a row of another station; what the shipper needs besides goes through the SECURITY
// DEFINER functions below, each of which first checks that the run is the caller's station's.
// In a SECURITY DEFINER function current_user is the owner, so the caller's station is that
// of session_user, the role that logged in (stations log in as their own role).
constexpr const char* kV1Chunks = R"sql(
CREATE FUNCTION ledlab.chunks_own_station() RETURNS trigger LANGUAGE plpgsql SECURITY INVOKER
  SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
  mine text := ledlab.my_station();
BEGIN
  IF NEW.station IS DISTINCT FROM mine AND pg_has_role(current_user, 'ledlab_station', 'MEMBER') THEN
    -- Superusers count as members of every role; they, like the owner, may write any row.
    IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
      RAISE EXCEPTION 'ledlab.chunks: station % may not write a chunk of station %',
        coalesce(mine, '(none: role ' || current_user || ' is no station''s)'), NEW.station
        USING ERRCODE = '42501';
    END IF;
  END IF;
  RETURN NEW;
END $f$;
-- WHEN: a station's own rows, nearly all of them, cost no PL/pgSQL call (PostgreSQL docs,
-- "CREATE TRIGGER": the condition is tested before the function is called).
CREATE TRIGGER chunks_own_station BEFORE INSERT ON ledlab.chunks
  FOR EACH ROW WHEN (NEW.station IS DISTINCT FROM ledlab.my_station()) EXECUTE FUNCTION ledlab.chunks_own_station();

-- Refuses (42501) a run that is not the calling station's; returns the station. The functions
-- below also touch only chunks carrying that station's name: the trigger checks a row's
-- station, not whose run its uuid names.
CREATE FUNCTION ledlab.require_own_run(m date, run uuid) RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
  mine   text;
  theirs text;
BEGIN
  SELECT station INTO mine FROM ledlab.stations WHERE role = session_user;
  SELECT station INTO theirs FROM ledlab.runs WHERE run_uuid = run AND run_month = m;
  IF mine IS NULL OR theirs IS DISTINCT FROM mine THEN
    RAISE EXCEPTION 'ledlab.chunks: run % of month % is not a run of station %', run, m,
      coalesce(mine, '(none: role ' || session_user || ' is no station''s)')
      USING ERRCODE = '42501';
  END IF;
  RETURN mine;
END $f$;
REVOKE ALL ON FUNCTION ledlab.require_own_run(date, uuid) FROM PUBLIC;

-- The shipper's marks of a run: every partial chunk and each series' last chunk.
CREATE FUNCTION ledlab.station_chunk_marks(m date, run uuid)
  RETURNS TABLE(series_id bigint, first_seq bigint, n int, t_max float8, v_last float8)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
  mine text := ledlab.require_own_run(m, run);
BEGIN
  RETURN QUERY SELECT c.series_id, c.first_seq, c.n, c.t_max, c.v_last FROM ledlab.chunks c
    WHERE c.run_month = m AND c.run_uuid = run AND c.station = mine AND (c.n < 65536 OR c.first_seq =  -- 65536: kFullChunkSamples
      (SELECT max(l.first_seq) FROM ledlab.chunks l WHERE l.run_month = m AND l.run_uuid = run
       AND l.station = mine AND l.series_id = c.series_id))
    ORDER BY c.series_id, c.first_seq;
END $f$;

-- The samples a run has in the lab database (lab status).
CREATE FUNCTION ledlab.station_run_samples(m date, run uuid) RETURNS bigint
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
  mine text := ledlab.require_own_run(m, run);
BEGIN
  RETURN (SELECT coalesce(sum(c.n), 0) FROM ledlab.chunks c WHERE c.run_month = m AND c.run_uuid = run
          AND c.station = mine);
END $f$;

-- A series' last chunk that starts before `before` (a resume's search for where the lab's
-- copy stops agreeing with the store).
CREATE FUNCTION ledlab.station_chunk_before(m date, run uuid, series bigint, before bigint)
  RETURNS TABLE(first_seq bigint, n int, data bytea)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
  mine text := ledlab.require_own_run(m, run);
BEGIN
  RETURN QUERY SELECT c.first_seq, c.n, c.data FROM ledlab.chunks c
    WHERE c.run_month = m AND c.run_uuid = run AND c.station = mine AND c.series_id = series AND c.first_seq < before
    ORDER BY c.first_seq DESC LIMIT 1;
END $f$;

-- Deletes each listed series' chunks from its first_seq on (a merge of trailing partial
-- chunks, shipped again as one in the same transaction). Result: chunks deleted.
CREATE FUNCTION ledlab.station_delete_chunks(m date, run uuid, series bigint[], from_seq bigint[]) RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
  mine text := ledlab.require_own_run(m, run);
  gone bigint;
BEGIN
  DELETE FROM ledlab.chunks c USING unnest(series, from_seq) AS d(series_id, from_seq)
    WHERE c.run_month = m AND c.run_uuid = run AND c.station = mine AND c.series_id = d.series_id
      AND c.first_seq >= d.from_seq;
  GET DIAGNOSTICS gone = ROW_COUNT;
  RETURN gone;
END $f$;

-- Moves a series' chunks from first_seq `from_seq` on into superseded_chunks (a resumed run
-- redid them). Result: chunks moved.
CREATE FUNCTION ledlab.station_supersede_chunks(m date, run uuid, series bigint, from_seq bigint) RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
  mine text := ledlab.require_own_run(m, run);
  moved bigint;
BEGIN
  WITH gone AS (DELETE FROM ledlab.chunks c WHERE c.run_month = m AND c.run_uuid = run AND c.station = mine
                AND c.series_id = series AND c.first_seq >= from_seq RETURNING c.*)
  INSERT INTO ledlab.superseded_chunks(run_month, run_uuid, station, series_id, first_seq, n, t_min, t_max, v_min,
                                       v_max, v_sum, v_first, v_last, data)
    SELECT run_month, run_uuid, station, series_id, first_seq, n, t_min, t_max, v_min, v_max, v_sum, v_first, v_last, data
    FROM gone;
  GET DIAGNOSTICS moved = ROW_COUNT;
  RETURN moved;
END $f$;

GRANT INSERT ON ledlab.chunks TO ledlab_station;
GRANT SELECT ON ledlab.chunks TO ledlab_reader;
)sql";

// Stations may call the chunk functions; nobody else.
constexpr std::array kStationChunkFunctions = {
    "station_chunk_marks(date, uuid)", "station_run_samples(date, uuid)",
    "station_chunk_before(date, uuid, bigint, bigint)", "station_delete_chunks(date, uuid, bigint[], bigint[])",
    "station_supersede_chunks(date, uuid, bigint, bigint)"};

std::string v1_policies() {
  std::string sql;
  for (const char* t : kStationTables) {
    sql += fmt::format(
        "ALTER TABLE ledlab.{0} ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY station_own_rows ON ledlab.{0} TO ledlab_station\n"
        "  USING (station = ledlab.my_station()) WITH CHECK (station = ledlab.my_station());\n"
        "CREATE POLICY reader_all_rows ON ledlab.{0} FOR SELECT TO ledlab_reader USING (true);\n"
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ledlab.{0} TO ledlab_station;\n"
        "GRANT SELECT ON ledlab.{0} TO ledlab_reader;\n",
        t);
  }
  sql += kV1Chunks;
  for (const char* f : kStationChunkFunctions)
    sql += fmt::format("REVOKE ALL ON FUNCTION ledlab.{0} FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION ledlab.{0} TO ledlab_station;\n", f);
  return sql;
}

std::string migration(int version) {
  switch (version) {
    case 1: return std::string(kV1) + v1_policies();
    default: return {};
  }
}

}  // namespace

Result<int> lab_schema_version(PgConnection& conn) {
  auto exists = conn.query("SELECT to_regclass('ledlab.schema_version') IS NOT NULL");
  if (!exists) return fail(exists.error());
  if (exists->text(0, 0) != "t") return 0;
  auto v = conn.query("SELECT coalesce(max(version), 0) FROM ledlab.schema_version");
  if (!v) return fail(v.error());
  return static_cast<int>(v->int64(0, 0).value_or(0));
}

Status migrate_lab(PgConnection& admin) {
  // Per-database lock: another admin migrating the same database waits here, then finds the
  // versions applied and does nothing. A session lock taken before BEGIN, not a transaction
  // lock taken after it: a backend refreshes its catalog caches when a transaction starts,
  // not when an advisory lock is granted, so a transaction begun before the other admin's
  // commit would not see the schema it created (and fail with 42P07 "already exists").
  if (auto s = admin.exec("SELECT pg_advisory_lock(hashtext('ledlab:migrate'))"); !s) return s;
  struct Unlock {
    PgConnection& c;
    ~Unlock() {
      if (c.healthy()) (void)c.exec("SELECT pg_advisory_unlock(hashtext('ledlab:migrate'))");
    }
  } unlock{admin};
  auto current = lab_schema_version(admin);
  if (!current) return fail(current.error());
  if (*current > kLabSchemaVersion)
    return fail(Errc::storage, fmt::format("lab database {} is at schema {}, this ledlab knows up to {}: use a newer ledlab",
                                           admin.describe(), *current, kLabSchemaVersion));
  for (int v = *current + 1; v <= kLabSchemaVersion; ++v) {
    auto tx = Transaction::begin(admin);
    if (!tx) return fail(tx.error());
    if (auto s = admin.exec(migration(v)); !s) {
      auto e = s.error();
      e.message = fmt::format("migrating the lab schema to version {}: {}", v, e.message);
      return fail(std::move(e));
    }
    if (auto r = admin.query("INSERT INTO ledlab.schema_version(version, ledlab_version) VALUES ($1, $2)",
                             {std::to_string(v), std::string(LEDLAB_VERSION)});
        !r)
      return fail(r.error());
    if (auto s = tx->commit(); !s) return s;
  }
  return {};
}

Status require_lab_schema(PgConnection& conn) {
  auto v = lab_schema_version(conn);
  if (!v) return fail(v.error());
  if (*v == 0)
    return fail(Errc::storage, fmt::format("lab database {} has no ledlab schema: run `ledlab lab init --admin URL` first",
                                           conn.describe()));
  if (*v < kLabSchemaVersion)
    return fail(Errc::storage, fmt::format("lab database is at schema {}, this ledlab needs {}: run `ledlab lab init` to migrate it",
                                           *v, kLabSchemaVersion));
  if (*v != kLabSchemaVersion)
    return fail(Errc::storage, fmt::format("lab database is at schema {}, this ledlab needs {}: run `ledlab lab init` with a newer ledlab",
                                           *v, kLabSchemaVersion));
  return {};
}

}  // namespace ledlab::db::lab
