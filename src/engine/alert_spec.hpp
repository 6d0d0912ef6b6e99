#pragma once
// Alerts for unattended runs, as a station file declares them ([alerts] and its
// [[alerts.webhook]] tables, README "Alerts"): where a run posts its suspensions, resumptions,
// abort, failure and finish. The sender that posts them is engine/alerts/alert_sender.hpp.
#include "core/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::engine {

// What a run tells its webhooks about.
// prompt: the run waits for the operator to answer a prompt{} (operator_prompt.hpp).
enum class AlertEvent { suspend, resume, abort, fail, finish, prompt };
std::string_view to_string(AlertEvent event);
std::optional<AlertEvent> parse_alert_event(std::string_view text);
inline constexpr std::string_view kAlertEventNames = "suspend, resume, abort, fail, finish, prompt";

// "slack": {"text": "..."}, which Slack, Mattermost and Rocket.Chat incoming webhooks accept;
// "json": the whole alert (event, run, station, DUT, message, verdict) and the same "text".
enum class AlertFormat { slack, json };

// http://host[:port][/path?query]. Only plain HTTP: ledlab does no TLS, so a chat service
// that needs https is reached through a relay on the lab network (or loopback).
struct WebhookUrl {
  std::string host;
  std::string port = "80";
  std::string target = "/";  // the request target: path and query
  std::string text;          // as written, for messages
};
Result<WebhookUrl> parse_webhook_url(std::string_view url);

inline constexpr std::int64_t kMaxAlertTimeoutMs = 600'000;   // timeout_ms: 1 .. 10 minutes an attempt
inline constexpr std::int64_t kMaxAlertRetries = 20;          // retries: 0 .. this after the first attempt
inline constexpr std::int64_t kMaxAlertBackoffMs = 600'000;   // backoff_ms: 1 .. this before the first retry
inline constexpr std::int64_t kMaxAlertFinalWaitMs = 600'000; // final_wait_ms: 0 .. this at the run's end

struct WebhookSpec {
  std::string name;  // for messages: the table's name = "...", else "webhook <n>"
  WebhookUrl url;
  AlertFormat format = AlertFormat::slack;
  std::set<AlertEvent> events{AlertEvent::suspend, AlertEvent::resume, AlertEvent::abort, AlertEvent::fail,
                              AlertEvent::finish, AlertEvent::prompt};
  std::chrono::milliseconds timeout{5000};  // one attempt: connect, send, the reply
  int retries = 3;                          // further attempts after a failed one
  std::chrono::milliseconds backoff{1000};  // before the first retry; doubles after each
  std::string where;                        // "sim.toml:42", for messages

  bool wants(AlertEvent event) const { return events.contains(event); }
};

struct AlertsConfig {
  std::vector<WebhookSpec> webhooks;
  // At the run's end, how long what is still queued (the final alert with the verdict) may
  // take to go out before the process moves on without it.
  std::chrono::milliseconds final_wait{10000};
};

}  // namespace ledlab::engine
