#include "db/lab/shipper.hpp"

#include "core/log.hpp"
#include "db/lab/lab_url.hpp"
#include "db/lab/ship_state.hpp"
#include "db/lab/shipper_session.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

namespace ledlab::db::lab {
namespace {

constexpr std::string_view kLog = "lab";

double now_s() { return now_unix_s(); }
std::string scrub(std::string message, const std::string& url) { return scrub_url(std::move(message), url); }

}  // namespace

double now_unix_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string scrub_url(std::string message, const std::string& url) {
  const std::string redacted = redact_url(url);
  for (std::size_t at; !url.empty() && (at = message.find(url)) != std::string::npos;)
    message.replace(at, url.size(), redacted);
  const std::string password = url_password(url);
  for (std::size_t at; !password.empty() && (at = message.find(password)) != std::string::npos;)
    message.replace(at, password.size(), "***");
  return message;
}

Result<ShipCounts> ship_pending(PgConnection& lab, db::Reader& store, const ShipperOptions& options) {
  ShipSession session(lab, store, options);
  return session.pass();
}

Shipper::Shipper(ShipperOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<Shipper>> Shipper::start(ShipperOptions options) {
  if (auto s = check_lab_url(options.url); !s) return fail(s.error());
  if (options.station.empty()) return fail(Errc::config, "lab shipper: no station name to ship as");
  if (!(options.poll_s > 0) || !(options.retry_min_s > 0) || !(options.retry_max_s >= options.retry_min_s))
    return fail(Errc::invalid_argument, "lab shipper: poll_s, retry_min_s must be > 0 and retry_max_s >= retry_min_s");
  std::unique_ptr<Shipper> out(new Shipper(std::move(options)));
  out->thread_ = std::thread([p = out.get()] { p->loop(); });
  return out;
}

Shipper::~Shipper() { stop(); }

void Shipper::notify() {
  {
    std::lock_guard lock(mutex_);
    ++notified_;
  }
  wake_.notify_all();
}

bool Shipper::drain(double grace_s) {
  std::unique_lock lock(mutex_);
  const std::uint64_t want = ++notified_;
  wake_.notify_all();
  drained_.wait_for(lock, std::chrono::duration<double>(std::max(grace_s, 0.0)),
                    [&] { return clean_through_ >= want || stop_; });
  return clean_through_ >= want;
}

void Shipper::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  drained_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Shipper::Status Shipper::status() const {
  std::lock_guard lock(mutex_);
  Status out = status_;
  out.lag_s = pending_since_s_ > 0 ? std::max(0.0, now_s() - pending_since_s_) : 0.0;
  return out;
}

void Shipper::wait_for(double seconds, bool wake_on_notify) {
  std::unique_lock lock(mutex_);
  const std::uint64_t seen = notified_;
  wake_.wait_for(lock, std::chrono::duration<double>(seconds),
                 [&] { return stop_ || (wake_on_notify && notified_ != seen); });
}

void Shipper::note_error(const Error& error, bool disconnected, bool quiet) {
  const std::string message = scrub(error.describe(), options_.url);
  // The store not readable yet is the normal start of a run (its writer is creating it).
  if (quiet) {
    log::info(kLog, "{}", message);
    return;
  }
  log::warn(kLog, "{}", message);
  std::lock_guard lock(mutex_);
  status_.last_error = message;
  status_.last_error_s = now_s();
  if (disconnected) status_.connected = false, status_.tls = false;
  if (pending_since_s_ == 0) pending_since_s_ = now_s();
}

void Shipper::loop() {
  std::optional<PgConnection> lab;
  std::optional<db::Reader> reader;
  std::optional<ShipState> state;
  std::unique_ptr<ShipSession> session;
  std::mt19937_64 rng(std::random_device{}());
  double backoff = options_.retry_min_s;
  int reader_failures = 0;
  const auto stopping = [&] {
    std::lock_guard lock(mutex_);
    return stop_;
  };
  // Waits out a failure: the delay doubles up to retry_max_s, jittered by +-25 % so stations
  // that lost the same server do not all come back in the same second.
  const auto back_off = [&] {
    std::uniform_real_distribution<double> jitter(0.75, 1.25);
    wait_for(std::min(backoff * jitter(rng), options_.retry_max_s), false);
    backoff = std::min(backoff * 2, options_.retry_max_s);
  };
  // Whether the sidecar may hold an error no pass has recovered from yet (it may, from an
  // earlier process): the first pass without error after one says so, once.
  bool error_unresolved = true;
  const auto record_error = [&](const Error& e) {
    if (state) (void)state->record_error(scrub(e.describe(), options_.url), now_s());
    error_unresolved = true;
  };
  while (!stopping()) {
    std::uint64_t generation;
    {
      std::lock_guard lock(mutex_);
      generation = notified_;
    }
    if (!state) {
      if (auto s = ShipState::open(options_.store)) state.emplace(std::move(*s));
    }
    if (!reader) {
      auto r = db::Reader::open(options_.store);
      if (!r) {
        // A run's writer creates and migrates the store as the shipper starts: the first
        // failures are that, an error only when it lasts.
        const bool lasting = ++reader_failures > 3;
        note_error(r.error(), false, /*quiet=*/!lasting);
        if (lasting) record_error(r.error());
        back_off();
        continue;
      }
      reader.emplace(std::move(*r));
      reader_failures = 0;
    }
    if (!lab) {
      auto c = PgConnection::connect(options_.url);
      if (!c) {
        note_error(c.error(), true);
        record_error(c.error());
        if (state) (void)state->record_connection(redact_url(options_.url), options_.station, false, false, now_s());
        back_off();
        continue;
      }
      lab.emplace(std::move(*c));
      session = std::make_unique<ShipSession>(*lab, *reader, options_);
      log::info(kLog, "connected to lab database {} as station {}", lab->describe(), options_.station);
      {
        std::lock_guard lock(mutex_);
        status_.connected = true;
        status_.tls = lab->tls();
      }
      if (state) (void)state->record_connection(redact_url(options_.url), options_.station, true, lab->tls(), now_s());
    }
    if (!session) session = std::make_unique<ShipSession>(*lab, *reader, options_);
    auto shipped = session->pass();
    if (!shipped) {
      const Error& e = shipped.error();
      const bool gone = e.code == Errc::disconnected || e.code == Errc::unreachable || !lab->healthy();
      note_error(e, gone);
      record_error(e);
      // A new session reads every mark from the lab database again (after a duplicate, a
      // refusal or a lost connection alike).
      session.reset();
      if (gone) {
        lab.reset();
        if (state) (void)state->record_connection(redact_url(options_.url), options_.station, false, false, now_s());
      }
      back_off();
      continue;
    }
    backoff = options_.retry_min_s;
    if (error_unresolved && state && state->record_pass_ok(now_s())) error_unresolved = false;
    const bool clean = session->complete();
    {
      std::lock_guard lock(mutex_);
      status_.shipped += *shipped;
      if (clean) {
        clean_through_ = std::max(clean_through_, generation);
        pending_since_s_ = 0;
      } else if (pending_since_s_ == 0) {
        pending_since_s_ = now_s();
      }
    }
    if (clean) drained_.notify_all();
    // The sidecar follows the runs this pass touched, not the station's whole history.
    if (state && !session->touched().empty()) {
      if (auto runs = shipped_runs(*lab, options_.station, session->touched())) (void)state->record_runs(*runs);
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::duration<double>(options_.poll_s),
                   [&] { return stop_ || notified_ != generation; });
  }
}

}  // namespace ledlab::db::lab
