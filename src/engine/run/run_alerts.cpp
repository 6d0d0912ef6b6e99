// The webhook alerts of a run (station file [[alerts.webhook]], README "Alerts"): part of
// SocketRun (run_host.hpp). The sender posts on its own thread; the run only queues.
#include "engine/run/run_host.hpp"

#include "core/log.hpp"
#include "core/time_format.hpp"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace ledlab::engine::detail {

void SocketRun::start_alerts() {
  const auto& config = host_.prepared_.station.alerts;
  if (config.webhooks.empty()) return;
  alert_context_ = {.run_uuid = run_.uuid, .sequence = run_.sequence, .station = host_.prepared_.station.name,
                    .dut_serial = run_.dut_serial, .operator_name = run_.operator_name, .host = run_.host,
                    .simulated = host_.prepared_.simulate};
  // The problems are logged and kept as events on the run's loop, which owns the console and
  // the run's clock; after the loop has ended, end_alerts() takes what is left.
  alerts_ = std::make_unique<AlertSender>(config, [this] { asio::post(host_.io_, [this] { record_alert_problems(); }); });
}

void SocketRun::alert(AlertEvent event, const std::string& message, json extra) {
  if (!alerts_) return;
  if (host_.clock_) {
    extra["t_s"] = host_.clock_->now_s();
    extra["time"] = iso_utc(host_.clock_->now_s());
  }
  alerts_->post(make_alert(alert_context_, event, message, std::move(extra)));
}

void SocketRun::end_alerts(db::RunStatus status, const std::string& message, const Result<db::RunVerdict>* verdict) {
  if (!alerts_) return;
  // The store has the last word: a run it could not keep whole ends failed, not finished.
  if (verdict && *verdict) status = (*verdict)->status;
  json extra{{"status", db::to_string(status)}};
  if (status == db::RunStatus::finished) {
    std::string text = message;
    if (verdict && *verdict) {
      extra["verdict"] = (*verdict)->word();
      extra["verdict_detail"] = (*verdict)->headline();
      text = (*verdict)->headline();
    } else if (verdict) {
      extra["verdict"] = nullptr;
      text = "verdict not read back: " + verdict->error().describe();
    }
    alert(AlertEvent::finish, text, std::move(extra));
  } else {
    alert(status == db::RunStatus::aborted ? AlertEvent::abort : AlertEvent::fail, message, std::move(extra));
  }
  alerts_->finish();
  record_alert_problems();
}

void SocketRun::record_alert_problems() {
  if (!alerts_) return;
  for (const auto& problem : alerts_->take_problems()) {
    view_.line(fmt::format("warning: {}", problem));
    event(db::EventKind::fault, "alerts", problem);
  }
}

// The engine loop is stuck (watchdog.hpp): nothing of the run's loop can be used, neither its
// clock nor its console. The store takes posts from any thread, the sender too.
void SocketRun::watchdog_alert(const std::string& why) {
  if (!alerts_) return;
  alerts_->post(make_alert(alert_context_, AlertEvent::fail, why, {{"status", db::to_string(db::RunStatus::failed)}}));
  alerts_->finish();
  for (const auto& problem : alerts_->take_problems()) {
    log::warn("alerts", "{}", problem);
    (void)host_.store_->post_event(run_.id, {.kind = db::EventKind::fault, .source = "alerts", .message = problem});
  }
  (void)host_.store_->flush();
}

}  // namespace ledlab::engine::detail
