// `ledlab lab status`, `ledlab lab ship`, and the shipper `ledlab run` / `resume` start.
#include "cli/commands.hpp"
#include "db/cli.hpp"
#include "db/lab/lab_url.hpp"
#include "db/lab/ship_state.hpp"
#include "db/lab/shipper.hpp"
#include "db/lab/shipper_pg.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <iostream>

namespace ledlab::cli {
namespace {

namespace lab = db::lab;

std::string when(double unix_s) {
  if (unix_s <= 0) return "never";
  const auto t = std::chrono::sys_seconds(std::chrono::seconds(static_cast<std::int64_t>(unix_s)));
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", t);
}

// The name a store ships as when none is given: what the sidecar last shipped it as, else the
// station name its newest run was recorded with.
std::string station_of(const std::string& store) {
  if (auto snap = lab::ShipState::read(store); snap && !snap->station.empty()) return snap->station;
  auto reader = db::Reader::open(store);
  if (!reader) return {};
  auto runs = reader->list_runs({.limit = 1});
  if (!runs || runs->empty()) return {};
  const auto station = nlohmann::json::parse(runs->front().station_json, nullptr, false);
  if (station.is_object() && station.contains("name") && station["name"].is_string())
    return station["name"].get<std::string>();
  return {};
}

std::string url_or_exit(const std::string& cli) {
  auto url = lab::lab_url_from(cli.empty() ? std::nullopt : std::optional(cli), std::nullopt);
  if (!url) {
    fmt::print(std::cerr, "error: no lab database: give --lab URL or set $LEDLAB_LAB_DB\n");
    throw Exit{2};
  }
  if (auto s = lab::check_lab_url(*url); !s) {
    fmt::print(std::cerr, "error: {}\n", s.error().message);
    throw Exit{2};
  }
  return *url;
}

int lab_status(const std::string& store, const std::string& cli_lab, std::string station) {
  auto reader = db::Reader::open(store);
  if (!reader) {
    fmt::print(std::cerr, "error: {}\n", reader.error().message);
    return 1;
  }
  auto snapshot = lab::ShipState::read(store);
  lab::ShipStateSnapshot snap = snapshot ? *snapshot : lab::ShipStateSnapshot{};
  if (station.empty()) station = station_of(store);
  const auto url = lab::lab_url_from(cli_lab.empty() ? std::nullopt : std::optional(cli_lab), std::nullopt);
  std::map<std::string, lab::RunShipped> shipped = snap.runs;
  if (url) {
    auto conn = lab::PgConnection::connect(*url, 5);
    if (conn) {
      fmt::print("lab database: {} connected, TLS {}\n", lab::redact_url(*url),
                 conn->tls() ? fmt::format("yes ({})", conn->tls_version()) : "no");
      if (auto runs = lab::shipped_runs(*conn, station)) shipped = std::move(*runs);
      else fmt::print("  cannot read what arrived: {}\n", runs.error().message);
    } else {
      fmt::print("lab database: {} not connected: {}\n", lab::redact_url(*url), conn.error().message);
    }
  } else if (!snap.url.empty()) {
    fmt::print("lab database: {} (from the shipper's last pass; give --lab or $LEDLAB_LAB_DB to check now), was {}\n",
               snap.url, snap.connected ? fmt::format("connected, TLS {}", snap.tls ? "yes" : "no") : "not connected");
  } else {
    fmt::print("lab database: none (give --lab URL or set $LEDLAB_LAB_DB)\n");
  }
  fmt::print("station: {}\n", station.empty() ? "(unknown: give --station)" : station);
  auto runs = reader->list_runs();
  if (!runs) {
    fmt::print(std::cerr, "error: {}\n", runs.error().message);
    return 1;
  }
  fmt::print("{:<36}  {:<11}  {:>12}  {:>12}  {:>9}  {:>9}\n", "run", "status", "samples", "pending", "results",
             "events");
  for (auto it = runs->rbegin(); it != runs->rend(); ++it) {
    auto totals = reader->totals(it->id);
    if (!totals) continue;
    const auto found = shipped.find(it->uuid);
    const lab::RunShipped got = found == shipped.end() ? lab::RunShipped{} : found->second;
    fmt::print("{:<36}  {:<11}  {:>12}  {:>12}  {:>4}/{:<4}  {:>4}/{:<4}\n", it->uuid, db::to_string(it->status),
               got.samples, std::max<std::int64_t>(0, totals->samples - got.samples), got.results, totals->results,
               got.events, totals->events);
  }
  if (!snap.last_error.empty()) {
    // An error a later pass got past is history, not the state of things.
    if (snap.last_pass_ok_s >= snap.last_error_s)
      fmt::print("last error (at {}, recovered at {}): {}\n", when(snap.last_error_s), when(snap.last_pass_ok_s),
                 snap.last_error);
    else
      fmt::print("last error ({}, not recovered since): {}\n", when(snap.last_error_s), snap.last_error);
  }
  if (snap.last_ok_s > 0) fmt::print("last connected: {}\n", when(snap.last_ok_s));
  return 0;
}

int lab_ship_once(const std::string& store, const std::string& url, const std::string& station) {
  auto conn = lab::PgConnection::connect(url);
  auto state = lab::ShipState::open(store);
  if (!conn) {
    fmt::print(std::cerr, "error: {}\n", conn.error().message);
    if (state) (void)state->record_error(conn.error().message, lab::now_unix_s());
    return 1;
  }
  auto reader = db::Reader::open(store);
  if (!reader) {
    fmt::print(std::cerr, "error: {}\n", reader.error().message);
    return 1;
  }
  lab::ShipperOptions options{.url = url, .store = store, .station = station};
  auto counts = lab::ship_pending(*conn, *reader, options);
  if (state) (void)state->record_connection(lab::redact_url(url), station, true, conn->tls(), lab::now_unix_s());
  if (!counts) {
    const std::string message = lab::scrub_url(counts.error().message, url);
    fmt::print(std::cerr, "error: {}\n", message);
    if (state) (void)state->record_error(message, lab::now_unix_s());
    return 1;
  }
  if (state) {
    (void)state->record_pass_ok(lab::now_unix_s());
    if (auto runs = lab::shipped_runs(*conn, station)) (void)state->record_runs(*runs);
  }
  fmt::print("shipped {} runs, {} series, {} chunks, {} samples, {} results, {} events to {}\n", counts->runs,
             counts->series, counts->chunks, counts->samples, counts->results, counts->events, conn->describe());
  return 0;
}

int lab_ship_follow(const std::string& store, const std::string& url, const std::string& station) {
  // SIGINT / SIGTERM end the follow: blocked here (the shipper thread inherits the mask) and
  // taken with sigwait, so the shipper stops between transactions.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto shipper = lab::Shipper::start({.url = url, .store = store, .station = station});
  if (!shipper) {
    fmt::print(std::cerr, "error: {}\n", shipper.error().message);
    return 2;
  }
  fmt::print("shipping {} to {} as station {} until SIGINT or SIGTERM\n", store, lab::redact_url(url), station);
  std::cout.flush();
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*shipper)->stop();
  const auto st = (*shipper)->status();
  fmt::print("stopped: shipped {} samples, {} results, {} events\n", st.shipped.samples, st.shipped.results,
             st.shipped.events);
  return 0;
}

}  // namespace

void register_lab_ship_commands(CLI::App& lab_app) {
  struct Options {
    std::string db, lab, station;
    bool once = false, follow = false;
  };
  auto o = std::make_shared<Options>();
  auto* status = lab_app.add_subcommand("status", "What each local run has shipped to the lab database, what is pending, "
                                                  "the last error");
  status->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  status->add_option("--lab", o->lab, "lab database URL (default: $LEDLAB_LAB_DB)");
  status->add_option("--station", o->station, "station name the store ships as (default: as last shipped)");
  status->callback([o] { throw Exit{lab_status(!o->db.empty() ? o->db : db::default_db_path(), o->lab, o->station)}; });

  auto* ship = lab_app.add_subcommand("ship", "Ship the store's runs to the lab database now (--once) or keep following "
                                              "it (--follow, until SIGINT/SIGTERM)");
  ship->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  ship->add_option("--lab", o->lab, "lab database URL (default: $LEDLAB_LAB_DB)");
  ship->add_option("--station", o->station, "station name to ship as (default: the store's station)");
  auto* once = ship->add_flag("--once", o->once, "ship everything committed now; exit 0 when all of it arrived");
  ship->add_flag("--follow", o->follow, "keep shipping what is committed until SIGINT or SIGTERM")->excludes(once);
  ship->callback([o] {
    const std::string store = !o->db.empty() ? o->db : db::default_db_path();
    const std::string url = url_or_exit(o->lab);
    const std::string station = !o->station.empty() ? o->station : station_of(store);
    if (station.empty()) {
      fmt::print(std::cerr, "error: which station does {} ship as? give --station NAME\n", store);
      throw Exit{2};
    }
    throw Exit{o->follow ? lab_ship_follow(store, url, station) : lab_ship_once(store, url, station)};
  });
}

std::optional<engine::StationConfig> stored_station(const std::filesystem::path& store, const std::string& run) {
  auto reader = db::Reader::open(store);
  if (!reader) return std::nullopt;
  auto found = reader->find_run(run);
  if (!found) return std::nullopt;
  const auto station = nlohmann::json::parse(found->station_json, nullptr, false);
  if (!station.is_object() || !station.contains("text") || !station["text"].is_string()) return std::nullopt;
  const std::string source = station.value("source", std::string("stored station"));
  auto parsed = engine::parse_station(station["text"].get<std::string>(), source);
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

void add_lab_options(CLI::App& cmd, LabShipping& o) {
  cmd.add_option("--lab", o.lab, "lab database to ship the run to (default: the station file's [lab] url, else "
                                 "$LEDLAB_LAB_DB)");
  cmd.add_flag("--no-lab", o.off, "do not ship to a lab database");
  cmd.add_option("--lab-grace", o.grace_s, "at the run's end, seconds to wait for the shipment (the rest goes later)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
}

int with_lab_shipper(const LabShipping& o, const engine::StationConfig* station, const std::filesystem::path& store,
                     const std::function<int(StoreCommitted)>& body) {
  const engine::LabConfig* cfg = station ? &station->lab : nullptr;
  if (o.off || (cfg && !cfg->enabled && o.lab.empty())) return body({});
  if (cfg && !cfg->url.empty() && lab::url_has_password(cfg->url)) {
    fmt::print(std::cerr,
               "error: {}:{}: lab.url: a password may not be in the station file (it is stored with every run): use "
               "passfile=, ~/.pgpass or $LEDLAB_LAB_DB\n",
               station->source, cfg->url_line);
    return 2;
  }
  auto url = lab::lab_url_from(o.lab.empty() ? std::nullopt : std::optional(o.lab),
                               cfg && !cfg->url.empty() ? std::optional(cfg->url) : std::nullopt);
  if (!url) return body({});
  if (auto s = lab::check_lab_url(*url); !s) {
    fmt::print(std::cerr, "error: {}{}\n", cfg && *url == cfg->url ? fmt::format("{}:{}: lab.url: ", station->source, cfg->url_line) : "",
               s.error().message);
    return 2;
  }
  std::string name = cfg && !cfg->station.empty() ? cfg->station : (station ? station->name : std::string());
  if (name.empty()) name = station_of(store.string());
  auto shipper = lab::Shipper::start({.url = *url, .store = store, .station = name});
  if (!shipper) {
    fmt::print(std::cerr, "warning: lab shipping off: {}\n", shipper.error().message);
    return body({});
  }
  // The store is closed when body returns, so the callback never outlives the shipper.
  const int code = body([s = shipper->get()] { s->notify(); });
  // The run never waits on the lab database; at its end a short grace, then the rest is left
  // for the next run or `ledlab lab ship`.
  if (!(*shipper)->drain(o.grace_s)) {
    const auto st = (*shipper)->status();
    fmt::print(std::cerr, "lab database: not everything arrived within {} s{}; `ledlab lab ship` sends the rest\n",
               o.grace_s, st.last_error.empty() ? "" : " (" + st.last_error + ")");
  }
  (*shipper)->stop();
  return code;
}

}  // namespace ledlab::cli
