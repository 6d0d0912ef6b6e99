#include "engine/run/interlocks.hpp"

#include "engine/station.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ledlab::engine {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr double kMinWallPollS = 0.05;  // never poll faster than this, however fast the clock runs

Error bad(const InterlockSpec& s, std::string what) {
  return make_error(Errc::config, fmt::format("{}: interlock '{}': {}", s.where, s.name, what));
}

}  // namespace

bool is_link_error(Errc code) {
  return code == Errc::timeout || code == Errc::disconnected || code == Errc::unplugged || code == Errc::unreachable || code == Errc::io ||
         code == Errc::protocol;
}

InterlockMonitor::InterlockMonitor(Station& station, std::shared_ptr<Clock> clock, Hooks hooks)
    : station_(station), clock_(std::move(clock)), hooks_(std::move(hooks)) {}

Status InterlockMonitor::add(InterlockSpec spec) {
  if (auto st = validate(spec); !st) return st;
  auto* chamber = station_.get<instruments::ThermalChamber>(spec.instrument);
  if (chamber == nullptr)
    return fail(bad(spec, fmt::format("'{}' is not a thermal chamber of station '{}'", spec.instrument,
                                                      station_.config().name)));
  auto entry = std::make_unique<Entry>();
  entry->chamber = chamber;
  entry->spec = std::move(spec);
  auto same = std::find_if(entries_.begin(), entries_.end(),
                           [&](const auto& e) { return e->spec.name == entry->spec.name; });
  if (same != entries_.end()) {
    (*same)->spec = entry->spec;  // keep its state: a trip in progress stays tripped
    (*same)->chamber = chamber;
  } else {
    entries_.push_back(std::move(entry));
  }
  return {};
}

void InterlockMonitor::stop() { stopped_ = true; }

void InterlockMonitor::set_heartbeat(double period_s, std::vector<instruments::Instrument*> instruments) {
  heartbeat_s_ = period_s;
  heartbeat_of_ = std::move(instruments);
}

void InterlockMonitor::set_environment_log(double period_s) {
  environment_s_ = period_s;
  logged_.clear();
  for (const auto& inst : station_.instruments())
    if (auto* c = dynamic_cast<instruments::ThermalChamber*>(inst.get())) logged_.push_back({c, true});
}

asio::awaitable<void> InterlockMonitor::log_environment() {
  for (std::size_t i = 0; i < logged_.size() && !stopped_; ++i) {
    Logged& l = logged_[i];
    const std::string& name = l.chamber->name();
    auto report = [&](const char* quantity, const Result<double>& r) {
      if (r && std::isfinite(*r) && hooks_.environment) hooks_.environment(i + 1, name, quantity, *r);
    };
    auto air = co_await l.chamber->read_temperature_c(instruments::ChamberProbe::air);
    if (!air) {
      co_await read_failed(name, air.error());
      continue;  // the link is gone or recovering: the next period tries again
    }
    report("env_air_temperature", air);
    auto setpoint = co_await l.chamber->setpoint_c();
    if (!setpoint) co_await read_failed(name, setpoint.error());
    report("env_setpoint", setpoint);
    if (!l.dut_probe) continue;
    auto dut = co_await l.chamber->read_temperature_c(instruments::ChamberProbe::dut);
    if (dut) report("env_dut_temperature", dut);
    else if (is_link_error(dut.error().code)) co_await read_failed(name, dut.error());
    else l.dut_probe = false;  // the dialect has no DUT probe: the air is all there is
  }
}

asio::awaitable<void> InterlockMonitor::read_failed(const std::string& instrument, const Error& error) {
  if (is_link_error(error.code) && hooks_.link_lost) (void)co_await hooks_.link_lost(instrument, error);
}

asio::awaitable<void> InterlockMonitor::heartbeat() {
  for (auto* inst : heartbeat_of_) {
    if (stopped_) co_return;
    auto r = co_await inst->heartbeat();
    if (!r) co_await read_failed(inst->name(), r.error());
  }
}

std::vector<InterlockStatus> InterlockMonitor::status() const {
  std::vector<InterlockStatus> out;
  for (const auto& e : entries_)
    out.push_back({e->spec.name, e->spec.kind, e->state, e->spec.effective_action(), e->message});
  return out;
}

void InterlockMonitor::set_state(Entry& e, std::string state, std::string message) {
  e.state = std::move(state);
  e.message = std::move(message);
}

asio::awaitable<void> InterlockMonitor::run() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopped_) {
    const double now = clock_->now_s();
    double next = now + 3600;
    // Index loop: the script may add interlocks while a poll waits on its chamber.
    for (std::size_t i = 0; i < entries_.size() && !stopped_; ++i) {
      Entry& e = *entries_[i];
      if (e.next_poll_s <= now) {
        co_await poll(e);
        e.next_poll_s = now + e.spec.poll_s;
      }
      next = std::min(next, e.next_poll_s);
    }
    if (heartbeat_s_ > 0) {
      if (next_heartbeat_s_ <= now) {
        co_await heartbeat();
        next_heartbeat_s_ = now + heartbeat_s_;
      }
      next = std::min(next, next_heartbeat_s_);
    }
    if (environment_s_ > 0 && !logged_.empty()) {
      if (next_environment_s_ <= now) {
        co_await log_environment();
        next_environment_s_ = now + environment_s_;
      }
      next = std::min(next, next_environment_s_);
    }
    if (entries_.empty() && heartbeat_s_ <= 0 && environment_s_ <= 0) next = now + 10;
    const double wait_sim_s = std::max(next - clock_->now_s(), 0.0);
    if (clock_->is_virtual()) {  // discrete-event time: wake exactly at the next poll
      co_await clock_->sleep(wait_sim_s);
      continue;
    }
    const auto wall = std::max(clock_->to_wall(wait_sim_s),
                               std::chrono::duration_cast<Clock::wall_clock::duration>(
                                   std::chrono::duration<double>(kMinWallPollS)));
    timer.expires_after(wall);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<void> InterlockMonitor::poll(Entry& e) {
  if (e.spec.kind == "chamber_band") co_await poll_band(e);
  else co_await poll_over_temperature(e);
}

asio::awaitable<void> InterlockMonitor::poll_band(Entry& e) {
  auto air = co_await e.chamber->read_temperature_c();
  Result<double> setpoint = fail(Errc::cancelled, "not read");
  if (air) setpoint = co_await e.chamber->setpoint_c();
  if (!air || !setpoint) {
    co_await read_failed(e.spec.instrument, air ? setpoint.error() : air.error());
    co_return;  // no verdict without a reading; a lasting loss is the link recovery's to judge
  }
  if (!e.setpoint_c || std::abs(*e.setpoint_c - *setpoint) > 1e-9) {
    e.setpoint_c = *setpoint;  // a new setpoint: a ramp is on its way, not an excursion
    e.armed = false;
    if (e.state != "ok") {
      set_state(e, "ok", fmt::format("setpoint changed to {:g} C", *setpoint));
      if (hooks_.clear) hooks_.clear(e.spec, e.message);
    }
  }
  const double off = *air - *setpoint;
  const bool in_band = std::abs(off) <= e.spec.band_c;
  const double now = clock_->now_s();
  if (in_band) {
    e.armed = true;
    if (e.state == "tripped") {
      set_state(e, "soaking", fmt::format("{} air {:.2f} C back within {:g} C of {:g} C; soaking {:g} s",
                                          e.spec.instrument, *air, e.spec.band_c, *setpoint, e.spec.soak_s));
      e.soaking_since_s = now;
      if (hooks_.note) hooks_.note(e.spec, e.message);
    }
    if (e.state == "soaking" && now - e.soaking_since_s >= e.spec.soak_s) {
      set_state(e, "ok", fmt::format("{} air {:.2f} C in band for {:g} s", e.spec.instrument, *air, e.spec.soak_s));
      if (hooks_.clear) hooks_.clear(e.spec, e.message);
    }
    co_return;
  }
  if (!e.armed) co_return;
  const std::string message = fmt::format("{} air {:.2f} C is {:+.2f} C from setpoint {:g} C (band {:g} C)",
                                          e.spec.instrument, *air, off, *setpoint, e.spec.band_c);
  if (e.state == "ok") {
    set_state(e, "tripped", message);
    if (hooks_.trip) hooks_.trip(e.spec, message, *air);
  } else if (e.state == "soaking") {
    set_state(e, "tripped", message + " (left the band again while soaking)");
    if (hooks_.note) hooks_.note(e.spec, e.message);
  } else {
    e.message = message;
  }
}

asio::awaitable<void> InterlockMonitor::poll_over_temperature(Entry& e) {
  if (e.state == "tripped") co_return;  // latched: the run is on its way to the safe state
  auto alarms = co_await e.chamber->read_alarms();
  Result<double> air = fail(Errc::cancelled, "not read");
  if (alarms) air = co_await e.chamber->read_temperature_c();
  if (!alarms || !air) {
    co_await read_failed(e.spec.instrument, alarms ? air.error() : alarms.error());
    co_return;
  }
  if (const std::string flags = alarms->describe(); flags != e.alarms) {
    e.alarms = flags;  // low air and low flow trip nothing here, but are logged once each time they change
    if (flags != "none" && hooks_.alarm) hooks_.alarm(e.spec, fmt::format("{} reports alarms: {}", e.spec.instrument, flags));
  }
  std::string message;
  if (alarms->over_temperature)
    message = fmt::format("{} reports an over-temperature alarm (air {:.2f} C)", e.spec.instrument, *air);
  else if (e.spec.max_c && !(*air <= *e.spec.max_c))  // a NaN reading trips too
    message = fmt::format("{} air {:.2f} C is above the interlock's {:g} C", e.spec.instrument, *air, *e.spec.max_c);
  if (message.empty()) co_return;
  set_state(e, "tripped", message);
  if (hooks_.trip) hooks_.trip(e.spec, message, *air);
}

}  // namespace ledlab::engine
