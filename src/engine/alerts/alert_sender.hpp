#pragma once
// Posts a run's alerts to the station's webhooks without ever holding the run up: the posts
// run on the sender's own thread and io_context (one owner, a queue at its border); post()
// only queues. Each webhook gets its alerts in order, each retried with a doubling backoff
// (WebhookSpec retries, backoff, timeout). A webhook's queue is bounded: when a receiver is
// down for long, the oldest waiting alert is dropped, and said so.
//
// A receiver that fails costs the run nothing but a problem report (take_problems()), which
// the run logs and keeps as an event. At the run's end finish() gives what is still queued
// (the final alert with the verdict) AlertsConfig::final_wait to go out.
#include "engine/alert_spec.hpp"
#include "engine/alerts/alert_message.hpp"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ledlab::engine {

inline constexpr std::size_t kMaxQueuedAlerts = 64;  // per webhook

class AlertSender {
 public:
  // `notify` is called on the sender's thread whenever a problem is waiting in take_problems();
  // it must only hand the news on (post to the run's loop), never block.
  AlertSender(AlertsConfig config, std::function<void()> notify);
  // Stops at once: what is still queued is not sent (finish() waits for it).
  ~AlertSender();
  AlertSender(const AlertSender&) = delete;
  AlertSender& operator=(const AlertSender&) = delete;

  // Queues the alert for every webhook that wants its event; returns at once. Any thread.
  void post(const Alert& alert);
  // Waits until everything queued went out (or failed for good), at most final_wait, then
  // stops; an alert still waiting or on its way then is reported as a problem. Any thread;
  // the first call waits, later ones return at once.
  void finish();
  // The problems since the last call, one line each: "alert 'suspend' to webhook 'chat'
  // (sim.toml:40, http://...): not delivered after 4 attempts: ...". Any thread.
  std::vector<std::string> take_problems();

 private:
  struct Core;
  std::unique_ptr<Core> core_;
  std::thread thread_;
};

}  // namespace ledlab::engine
