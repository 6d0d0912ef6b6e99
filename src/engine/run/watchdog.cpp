#include "engine/run/watchdog.hpp"

#include "core/log.hpp"
#include "db/store.hpp"
#include "engine/station.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>

namespace ledlab::engine {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kModule = "watchdog";

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double seconds(std::chrono::milliseconds ms) { return std::chrono::duration<double>(ms).count(); }

}  // namespace

// The timer on the engine's loop. Shared with its pending wait, which may outlive the watchdog
// in a loop that runs again later.
struct Watchdog::Heartbeat : std::enable_shared_from_this<Heartbeat> {
  Heartbeat(asio::io_context& engine, Watchdog& w, std::chrono::milliseconds every)
      : timer(engine), watchdog(&w), interval(every) {}
  void arm() {
    timer.expires_after(interval);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->watchdog == nullptr) return;
      self->watchdog->beat();
      self->arm();
    });
  }
  asio::steady_timer timer;
  Watchdog* watchdog;  // nullptr once the watchdog is gone
  std::chrono::milliseconds interval;
};

struct Watchdog::Own {
  explicit Own(asio::io_context& io) : check(io), signals(io, SIGINT, SIGTERM) {}
  asio::steady_timer check;
  asio::signal_set signals;
};

Watchdog::Watchdog(WatchdogOptions options, Hooks hooks)
    : options_(options), hooks_(std::move(hooks)), own_(std::make_unique<Own>(io_)) {
  if (!hooks_.end_process) hooks_.end_process = [] { std::_Exit(kWatchdogExitCode); };
  last_beat_ns_ = now_ns();
  arm_signals();
  arm_check();
  thread_ = std::thread([this] { io_.run(); });
}

Watchdog::~Watchdog() {
  stopping_ = true;
  if (heartbeat_) {
    heartbeat_->watchdog = nullptr;
    heartbeat_->timer.cancel();
  }
  io_.stop();
  thread_.join();
}

void Watchdog::watch(asio::io_context& engine) {
  // A few beats per timeout, so one late timer is not taken for a stuck loop.
  const auto every = std::max(std::chrono::milliseconds(10), std::min(options_.timeout, options_.grace) / 4);
  heartbeat_ = std::make_shared<Heartbeat>(engine, *this, every);
  heartbeat_->arm();
  beat();
  watching_ = true;
}

void Watchdog::beat() { last_beat_ns_.store(now_ns(), std::memory_order_release); }

void Watchdog::arm_check() {
  const auto tick = std::max(std::chrono::milliseconds(5), std::min(options_.timeout, options_.grace) / 8);
  own_->check.expires_after(tick);
  own_->check.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    check();
    if (!forcing_) arm_check();
  });
}

void Watchdog::arm_signals() {
  own_->signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec || stopping_) return;
    on_signal(signal);
    arm_signals();
  });
}

void Watchdog::on_signal(int signal) {
  ++seen_signals_;
  const bool stop = signal == SIGTERM || (signal == SIGINT && ++seen_sigints_ >= 2);
  if (!stop) return;  // a first Ctrl-C pauses; a stuck loop is the heartbeat's to find
  // A request the engine has not acted on yet keeps its time; this one must be acted on too.
  const bool earlier_pending =
      stop_requested_ && handled_signals_.load(std::memory_order_acquire) < stop_needs_handled_;
  stop_needs_handled_ = seen_signals_;
  if (earlier_pending) return;
  stop_requested_ = true;
  stop_signal_ = signal == SIGTERM ? "SIGTERM" : "a second Ctrl-C";
  stop_requested_at_ = Clock::now();
}

void Watchdog::check() {
  const auto now = Clock::now();
  if (stop_requested_) {
    if (handled_signals_.load(std::memory_order_acquire) >= stop_needs_handled_) {
      stop_requested_ = false;  // the engine acts on it through the run's normal end
    } else if (now - stop_requested_at_ >= options_.grace) {
      force(fmt::format("{} was not acted on within {:g} s: the engine loop is stuck", stop_signal_,
                        seconds(options_.grace)));
      return;
    }
  }
  if (!watching_) return;
  const std::int64_t last = last_beat_ns_.load(std::memory_order_acquire);
  const double silent_s = static_cast<double>(now_ns() - last) / 1e9;
  if (!interrupted_) {
    if (silent_s < seconds(options_.timeout)) return;
    interrupted_ = true;
    interrupted_at_ = now;
    beat_at_interrupt_ns_ = last;
    const std::string why = fmt::format("the engine loop did not answer for {:.1f} s: the watchdog stopped the script",
                                        silent_s);
    log::error(kModule, "{}", why);
    if (hooks_.interrupt) hooks_.interrupt(why);
    return;
  }
  if (last != beat_at_interrupt_ns_) {
    interrupted_ = false;  // the loop answers again: the run ends through its normal path
    log::warn(kModule, "the engine loop answers again");
    return;
  }
  if (now - interrupted_at_ >= options_.grace)
    force(fmt::format("the engine loop did not answer for {:.1f} s, nor stopped the script within {:g} s of being "
                      "asked (stuck in a C function such as a pattern match?)",
                      silent_s, seconds(options_.grace)));
}

void Watchdog::force(const std::string& why) {
  forcing_ = true;
  log::error(kModule, "{}; forcing every instrument to its safe state on connections of its own", why);
  if (hooks_.force) hooks_.force(why);
  std::fflush(stdout);
  std::fflush(stderr);
  hooks_.end_process();
}

std::vector<std::string> force_safe_state(const StationConfig& config, std::chrono::milliseconds bound) {
  // Held by pointer: if an instrument has not finished within the bound, its coroutine is
  // still suspended on the loop, and neither may be destroyed under it (the process is about
  // to end: they are left).
  auto io = std::make_unique<asio::io_context>();
  auto station = Station::create(config, io->get_executor());
  if (!station) return {fmt::format("cannot connect to the station again: {}", station.error().describe())};
  const auto& instruments = (*station)->instruments();
  std::vector<std::string> lines(instruments.size());
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    asio::co_spawn(
        *io,
        [inst = instruments[i].get(), &line = lines[i]]() -> asio::awaitable<void> {
          // attach(): connect and *IDN?, no setting changed; then the kind's safe state.
          Status st = co_await inst->attach();
          if (st) st = co_await inst->safe_state();
          line = st ? fmt::format("{}: safe state reached", inst->name())
                    : fmt::format("{}: safe state failed: {}", inst->name(), st.error().describe());
        },
        asio::detached);
  }
  io->run_for(bound);
  bool all = true;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].empty()) continue;
    all = false;
    lines[i] = fmt::format("{}: no answer within {:g} s", instruments[i]->name(), seconds(bound));
  }
  if (!all) {
    (void)station->release();
    (void)io.release();
  }
  return lines;
}

bool record_forced_stop(db::Store& store, db::RunId run, const std::string& why, const std::vector<std::string>& lines,
                        std::chrono::milliseconds bound) {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  const std::string message = "watchdog: " + why;
  // Its own thread: if the store's writer is what is stuck, the process still ends.
  std::thread([&store, run, message, lines, done] {
    (void)store.log_event(run, {.kind = db::EventKind::fault, .source = "watchdog", .message = message,
                                .data_json = nlohmann::json{{"safe_state", lines}}.dump()});
    (void)store.end_run(run, db::RunStatus::failed, {}, message);
    (void)store.flush();
    done->set_value();
  }).detach();
  return finished.wait_for(bound) == std::future_status::ready;
}

void force_run_to_safe_state(const StationConfig& station, db::Store& store, db::RunId run, const std::string& why) {
  force_runs_to_safe_state(station, store, {run}, why);
}

void force_runs_to_safe_state(const StationConfig& station, db::Store& store, const std::vector<db::RunId>& runs,
                              const std::string& why) {
  const auto lines = force_safe_state(station, kForcedSafeStateBound);
  for (const auto& line : lines) log::error(kModule, "{}", line);
  for (const auto run : runs)
    if (!record_forced_stop(store, run, why, lines, kRecordBound))
      log::error(kModule, "the store did not take the record within {:g} s", seconds(kRecordBound));
  log::error(kModule, "run failed: {}; ending the process (exit code {})", why, kWatchdogExitCode);
}

}  // namespace ledlab::engine
