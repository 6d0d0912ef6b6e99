#include "instruments/common/instrument.hpp"

#include "core/log.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ledlab::instruments {

namespace asio = boost::asio;

std::optional<double> InstrumentConfig::limit(const std::string& key) const {
  auto it = limits.find(key);
  if (it == limits.end()) return std::nullopt;
  return it->second;
}

double InstrumentConfig::option(const std::string& key, double fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : it->second;
}

Instrument::Instrument(InstrumentConfig config, std::unique_ptr<scpi::Session> session)
    : config_(std::move(config)), session_(std::move(session)) {}

asio::awaitable<Status> Instrument::attach() {
  if (auto st = co_await session_->connect(); !st) co_return st;
  auto id = co_await session_->identify();
  if (!id) co_return fail(id.error());
  identity_ = *id;
  co_return Status{};
}

asio::awaitable<Status> Instrument::initialize() {
  if (auto st = co_await attach(); !st) co_return st;
  if (auto st = co_await session_->write("*CLS"); !st) co_return st;
  auto stale = co_await session_->drain_errors();
  if (!stale) co_return fail(stale.error());
  for (const auto& e : *stale) log::warn("instr", "{}: stale error at start-up: {},\"{}\"", name(), e.code, e.message);
  co_return Status{};
}

Capabilities Instrument::capabilities() const { return Capabilities{.kind = kind(), .driver = config_.driver}; }

asio::awaitable<Result<std::string>> Instrument::sample_reading() { co_return settings().dump(); }

asio::awaitable<Status> Instrument::heartbeat() {
  auto r = co_await session_->status_byte();
  if (!r) co_return fail(r.error());
  co_return Status{};
}

Status Instrument::check_limit(std::string_view what, double value, std::string_view min_key,
                               std::string_view max_key, std::string_view command) const {
  if (!std::isfinite(value))
    return fail(error(Errc::invalid_argument, fmt::format("{} {} is not a finite number", what, value), command));
  const auto lo = min_key.empty() ? std::nullopt : config_.limit(std::string(min_key));
  const auto hi = max_key.empty() ? std::nullopt : config_.limit(std::string(max_key));
  // Negated comparisons: a NaN limit (the station file refuses one) refuses, never passes.
  if ((lo && !(value >= *lo)) || (hi && !(value <= *hi))) {
    return fail(error(Errc::limit,
                      fmt::format("{} {} is outside the station limit [{}, {}]", what, value,
                                  lo ? fmt::format("{}", *lo) : "-inf", hi ? fmt::format("{}", *hi) : "+inf"),
                      command));
  }
  return {};
}

Error Instrument::error(Errc code, std::string message, std::string_view command) const {
  Error e = make_error(code, std::move(message));
  e.at(name(), command);
  return e;
}

}  // namespace ledlab::instruments
