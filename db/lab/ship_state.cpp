#include "db/lab/ship_state.hpp"

#include <fmt/core.h>

#include <cstdlib>

namespace ledlab::db::lab {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  run_uuid TEXT PRIMARY KEY,
  status   TEXT NOT NULL,
  samples  INTEGER NOT NULL,
  results  INTEGER NOT NULL,
  events   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

}  // namespace

std::filesystem::path ShipState::path_for(const std::filesystem::path& store) {
  return std::filesystem::path(store.string() + ".lab");
}

Result<ShipState> ShipState::open(const std::filesystem::path& store) {
  auto conn = Connection::open(path_for(store).string(), Connection::Mode::read_write_create);
  if (!conn) return fail(conn.error());
  // WAL: `lab status` reads while the shipper writes (SQLite docs, "Write-Ahead Logging").
  if (auto s = conn->exec("PRAGMA journal_mode=WAL"); !s) return fail(s.error());
  if (auto s = conn->exec(kSchema); !s) return fail(s.error());
  return ShipState(std::move(*conn));
}

Result<ShipStateSnapshot> ShipState::read(const std::filesystem::path& store) {
  const auto path = path_for(store);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return fail(Errc::not_found, fmt::format("{}: no shipper has run for this store yet", path.string()));
  auto conn = Connection::open(path.string(), Connection::Mode::read_only);
  if (!conn) return fail(conn.error());
  ShipStateSnapshot out;
  auto runs = conn->prepare("SELECT run_uuid, status, samples, results, events FROM runs");
  if (!runs) return fail(runs.error());
  for (;;) {
    auto row = runs->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.runs[runs->column_text(0)] = {runs->column_text(1), runs->column_int(2), runs->column_int(3), runs->column_int(4)};
  }
  auto state = conn->prepare("SELECT key, value FROM state");
  if (!state) return fail(state.error());
  for (;;) {
    auto row = state->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const std::string key = state->column_text(0), value = state->column_text(1);
    if (key == "url") out.url = value;
    else if (key == "station") out.station = value;
    else if (key == "connected") out.connected = value == "1";
    else if (key == "tls") out.tls = value == "1";
    else if (key == "last_error") out.last_error = value;
    else if (key == "last_error_s") out.last_error_s = std::strtod(value.c_str(), nullptr);
    else if (key == "last_ok_s") out.last_ok_s = std::strtod(value.c_str(), nullptr);
    else if (key == "last_pass_ok_s") out.last_pass_ok_s = std::strtod(value.c_str(), nullptr);
  }
  return out;
}

Status ShipState::put(std::string_view key, std::string_view value) {
  auto st = conn_.prepare("INSERT INTO state(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!st) return fail(st.error());
  st->bind(1, key).bind(2, value);
  return st->run();
}

Status ShipState::record_runs(const std::map<std::string, RunShipped>& runs) {
  if (runs.empty()) return {};
  auto tx = Transaction::begin(conn_);
  if (!tx) return fail(tx.error());
  auto st = conn_.prepare(
      "INSERT INTO runs(run_uuid, status, samples, results, events) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(run_uuid) DO UPDATE SET status = excluded.status, samples = excluded.samples, "
      "results = excluded.results, events = excluded.events");
  if (!st) return fail(st.error());
  for (const auto& [uuid, r] : runs) {
    st->bind(1, uuid).bind(2, r.status).bind(3, r.samples).bind(4, r.results).bind(5, r.events);
    if (auto s = st->run(); !s) return s;
  }
  return tx->commit();
}

Status ShipState::record_connection(std::string_view redacted_url, std::string_view station, bool connected, bool tls,
                                    double now_s) {
  auto tx = Transaction::begin(conn_);
  if (!tx) return fail(tx.error());
  for (const auto& [k, v] : {std::pair<std::string_view, std::string>{"url", std::string(redacted_url)},
                             {"station", std::string(station)},
                             {"connected", connected ? "1" : "0"},
                             {"tls", tls ? "1" : "0"}})
    if (auto s = put(k, v); !s) return s;
  if (connected)
    if (auto s = put("last_ok_s", fmt::format("{:.17g}", now_s)); !s) return s;
  return tx->commit();
}

Status ShipState::record_error(std::string_view message, double now_s) {
  auto tx = Transaction::begin(conn_);
  if (!tx) return fail(tx.error());
  if (auto s = put("last_error", message); !s) return s;
  if (auto s = put("last_error_s", fmt::format("{:.17g}", now_s)); !s) return s;
  return tx->commit();
}

Status ShipState::record_pass_ok(double now_s) { return put("last_pass_ok_s", fmt::format("{:.17g}", now_s)); }

}  // namespace ledlab::db::lab
