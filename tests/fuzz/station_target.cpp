// Station files (TOML) through parse_station: see input_targets.hpp.
#include "fuzz/input_targets.hpp"
#include "fuzz/station_gen.hpp"

#include "db/json_text.hpp"
#include "engine/bench_settings.hpp"
#include "engine/station_config.hpp"
#include "instruments/common/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace ledlab::fuzz {
namespace {

constexpr std::string_view kSource = "fuzz.toml";

bool in(double v, double lo, bool lo_open, double hi) { return (lo_open ? v > lo : v >= lo) && v <= hi; }

std::optional<std::string> refused_well(const Error& error, std::string_view what) {
  if (error.message.empty()) return fmt::format("{} was refused with an empty message", what);
  if (error.message.find(kSource) == std::string::npos)
    return fmt::format("{} was refused without naming {}: {}", what, kSource, error.message);
  return std::nullopt;
}

std::optional<std::string> finite_table(const std::string& instrument, std::string_view table,
                                        const std::map<std::string, double>& values) {
  for (const auto& [key, v] : values)
    if (!std::isfinite(v)) return fmt::format("instruments.{}.{}.{} is {}", instrument, table, key, v);
  return std::nullopt;
}

// Each setting lies in the range its kind declares (instruments/common/registry.hpp), checked
// here independently of check_settings.
std::optional<std::string> in_declared_range(const instruments::InstrumentConfig& cfg, std::string_view table,
                                             const std::map<std::string, double>& values) {
  const auto* info = instruments::DriverRegistry::instance().find(cfg.kind, cfg.driver);
  if (info == nullptr) return fmt::format("instruments.{}: kind {} driver '{}' was accepted unregistered", cfg.name,
                                          cfg.kind, cfg.driver);
  for (const auto& [key, v] : values) {
    const auto k = std::find_if(info->keys.begin(), info->keys.end(),
                                [&](const auto& s) { return s.table == table && s.key == key; });
    if (k == info->keys.end()) {
      if (table == "options" && key == "safe_temperature_c") continue;  // inherited from [station]
      return fmt::format("instruments.{}.{}.{} is not a key of {}", cfg.name, table, key, cfg.kind);
    }
    if (!in(v, k->min, k->min_excluded, k->max) || (k->whole && v != std::floor(v)))
      return fmt::format("instruments.{}.{}.{} = {} was accepted outside {}..{}", cfg.name, table, key, v, k->min,
                         k->max);
  }
  return std::nullopt;
}

std::optional<std::string> check_instrument(const instruments::InstrumentConfig& cfg) {
  if (auto bad = finite_table(cfg.name, "limits", cfg.limits)) return bad;
  if (auto bad = finite_table(cfg.name, "options", cfg.options)) return bad;
  if (auto bad = in_declared_range(cfg, "limits", cfg.limits)) return bad;
  if (auto bad = in_declared_range(cfg, "options", cfg.options)) return bad;
  for (const auto& [key, ms] : {std::pair{"timeout_ms", cfg.session.timeout},
                                std::pair{"connect_timeout_ms", cfg.session.connect_timeout},
                                std::pair{"opc_timeout_ms", cfg.session.opc_timeout}})
    if (ms.count() <= 0 || ms.count() > engine::kMaxTimeoutMs)
      return fmt::format("instruments.{}.{} is {} ms", cfg.name, key, ms.count());
  if (cfg.session.reconnect_attempts < 0 || cfg.session.reconnect_attempts > engine::kMaxReconnectAttempts)
    return fmt::format("instruments.{}.reconnect_attempts is {}", cfg.name, cfg.session.reconnect_attempts);
  return std::nullopt;
}

std::optional<std::string> check_interlock(const engine::InterlockSpec& s) {
  if (!in(s.band_c, 0, true, engine::kMaxBandC) || !in(s.soak_s, 0, false, engine::kMaxSoakS) ||
      !in(s.poll_s, 0, true, engine::kMaxPollS) || (s.max_c && !in(*s.max_c, -273.15, false, 1000)))
    return fmt::format("interlock {} kept band_c {}, soak_s {}, poll_s {}, max_c {}", s.name, s.band_c, s.soak_s,
                       s.poll_s, s.max_c ? fmt::format("{}", *s.max_c) : "none");
  if (auto st = engine::validate(s); !st) return fmt::format("interlock {} fails its own validation: {}", s.name,
                                                              st.error().message);
  if (s.effective_action() != "suspend" && s.effective_action() != "abort")
    return fmt::format("interlock {} has action '{}'", s.name, s.effective_action());
  return std::nullopt;
}

// An accepted webhook goes out as an HTTP request: its target must not split the request line.
std::optional<std::string> check_webhook(const engine::WebhookSpec& w) {
  if (w.timeout.count() < 1 || w.timeout.count() > engine::kMaxAlertTimeoutMs || w.retries < 0 ||
      w.retries > engine::kMaxAlertRetries || w.backoff.count() < 1 || w.backoff.count() > engine::kMaxAlertBackoffMs)
    return fmt::format("webhook {} kept timeout {} ms, retries {}, backoff {} ms", w.name, w.timeout.count(), w.retries,
                       w.backoff.count());
  if (w.url.host.empty() || w.url.target.empty() || w.url.target.front() != '/')
    return fmt::format("webhook {} kept host '{}' and target '{}'", w.name, w.url.host, w.url.target);
  for (const std::string* part : {&w.url.host, &w.url.target})
    if (std::ranges::any_of(*part, [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
      return fmt::format("webhook {} kept a space or control character in '{}'", w.name, *part);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_station_input(std::string_view input, std::uint64_t) {
  std::string generated;
  if (input.starts_with("@gen\n")) {
    generated = generated_station(input.substr(5));
    input = generated;
  }
  auto parsed = engine::parse_station(input, std::string(kSource));
  if (!parsed) return refused_well(parsed.error(), "the station file");
  const engine::StationConfig& st = *parsed;
  if (!engine::time_scale_problem(st.time_scale).empty() || !in(st.time_scale, 0, true, engine::kMaxTimeScale))
    return fmt::format("time_scale {} was accepted", st.time_scale);
  if (!in(st.safe_temperature_c, -273.15, false, 1000))
    return fmt::format("safe_temperature_c {} was accepted", st.safe_temperature_c);
  if (!in(st.link_recovery_s, 0, false, engine::kMaxLinkRecoveryS))
    return fmt::format("link_recovery_s {} was accepted", st.link_recovery_s);
  if (!in(st.heartbeat_s, 0, false, engine::kMaxHeartbeatS))
    return fmt::format("heartbeat_s {} was accepted", st.heartbeat_s);
  if (st.instruments.empty()) return std::string("a station without instruments was accepted");
  for (const auto& cfg : st.instruments)
    if (auto bad = check_instrument(cfg)) return bad;
  for (const auto& lock : st.interlocks) {
    if (auto bad = check_interlock(lock)) return bad;
    if (st.find(lock.instrument) == nullptr)
      return fmt::format("interlock {} watches '{}', which the station lacks", lock.name, lock.instrument);
  }
  for (const auto& webhook : st.alerts.webhooks)
    if (auto bad = check_webhook(webhook)) return bad;
  if (st.alerts.final_wait.count() < 0 || st.alerts.final_wait.count() > engine::kMaxAlertFinalWaitMs)
    return fmt::format("alerts.final_wait_ms {} was accepted", st.alerts.final_wait.count());
  // The file is kept as provenance and stored as JSON text: a byte that is not UTF-8 would be
  // replaced there, and the stored file would differ from the one that ran.
  if (auto bad = db::utf8_error(st.text)) return "a station file that is not UTF-8 was accepted: " + *bad;
  if (st.text != input) return std::string("the provenance text differs from the file");
  auto bench = engine::bench_config_from_json(st.bench, kSource);
  if (!bench) return refused_well(bench.error(), "the [bench] table");
  if (bench->array.rows < 1 || bench->array.cols < 1 ||
      static_cast<long long>(bench->array.rows) * bench->array.cols > 100000)
    return fmt::format("a bench of {} x {} lanes was accepted", bench->array.rows, bench->array.cols);
  return std::nullopt;
}

}  // namespace ledlab::fuzz
