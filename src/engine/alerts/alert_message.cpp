#include "engine/alerts/alert_message.hpp"

#include "db/json_text.hpp"

#include <fmt/format.h>

namespace ledlab::engine {

namespace {

std::string_view past_tense(AlertEvent event) {
  switch (event) {
    case AlertEvent::suspend: return "suspended";
    case AlertEvent::resume: return "resumed";
    case AlertEvent::abort: return "aborted";
    case AlertEvent::fail: return "failed";
    case AlertEvent::finish: return "finished";
    case AlertEvent::prompt: return "waits for the operator";
  }
  return "?";
}

// Slack's message text treats &, < and > as control characters ("Formatting text for app
// surfaces", Escaping text): sent as they are, "<" could open a link and eat the rest.
std::string slack_escaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

}  // namespace

Alert make_alert(const AlertContext& c, AlertEvent event, const std::string& message, nlohmann::json extra) {
  std::string about = c.sequence;
  if (!c.station.empty()) about += " on " + c.station;
  if (!c.dut_serial.empty()) about += ", DUT " + c.dut_serial;
  if (c.simulated) about += ", simulated";
  Alert alert;
  alert.event = event;
  alert.text = fmt::format("ledlab run {} ({}) {}{}{}", c.run_uuid.substr(0, 8), about, past_tense(event),
                           message.empty() ? "" : ": ", message);
  alert.whole = {{"text", alert.text},          {"event", to_string(event)},    {"run", c.run_uuid},
                 {"sequence", c.sequence},      {"station", c.station},         {"dut_serial", c.dut_serial},
                 {"operator", c.operator_name}, {"host", c.host},               {"simulated", c.simulated},
                 {"message", message}};
  if (extra.is_object())
    for (auto& [key, value] : extra.items()) alert.whole[key] = std::move(value);
  return alert;
}

std::string alert_body(AlertFormat format, const Alert& alert) {
  if (format == AlertFormat::slack) return db::json_text(nlohmann::json{{"text", slack_escaped(alert.text)}});
  return db::json_text(alert.whole);
}

}  // namespace ledlab::engine
