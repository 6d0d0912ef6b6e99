#pragma once
// What one alert says, and the JSON a webhook is sent for it (station file [[alerts.webhook]]
// format = "slack" or "json", README "Alerts").
#include "engine/alert_spec.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace ledlab::engine {

// The run an alert is about, as a reader of a chat channel needs it.
struct AlertContext {
  std::string run_uuid;
  std::string sequence;
  std::string station;
  std::string dut_serial;
  std::string operator_name;
  std::string host;  // the station computer's host name
  bool simulated = false;
};

struct Alert {
  AlertEvent event = AlertEvent::finish;
  std::string text;      // one line for people: "ledlab run 1a2b3c4d (burn_in on sim-bench) suspended: ..."
  nlohmann::json whole;  // every field, for format = "json"
};

// `message` says why (the interlock's reading, the abort's reason, the verdict's headline);
// `extra` adds fields to the JSON form (the verdict, the run clock's time).
Alert make_alert(const AlertContext& context, AlertEvent event, const std::string& message,
                 nlohmann::json extra = nlohmann::json::object());

// The request body for a webhook: {"text": ...} for slack, the whole alert (with the same
// "text") for json.
std::string alert_body(AlertFormat format, const Alert& alert);

}  // namespace ledlab::engine
