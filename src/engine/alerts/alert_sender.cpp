#include "engine/alerts/alert_sender.hpp"

#include "engine/alerts/webhook_post.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>

namespace ledlab::engine {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds kMaxBackoff{600'000};  // the doubling stops at ten minutes

// One webhook: its queue and the alert on its way. Touched only on the sender's thread
// (and by finish() once that thread has ended).
struct Channel {
  Channel(asio::io_context& io, WebhookSpec s) : spec(std::move(s)), wake(io, asio::steady_timer::time_point::max()) {}
  WebhookSpec spec;
  std::deque<Alert> queue;
  std::optional<Alert> sending;
  asio::steady_timer wake;  // cancelled when an alert is queued
};

std::string describe(const WebhookSpec& spec, const Alert& alert) {
  return fmt::format("alert '{}' to webhook '{}' ({}, {})", to_string(alert.event), spec.name, spec.where, spec.url.text);
}

}  // namespace

// Declared in this order so that the channels (their timers) go before the io_context.
struct AlertSender::Core {
  Core(AlertsConfig c, std::function<void()> n) : config(std::move(c)), notify(std::move(n)) {}

  AlertsConfig config;
  std::function<void()> notify;
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::vector<std::unique_ptr<Channel>> channels;
  // finish() has begun. Atomic: the watchdog's thread may finish the sender while the stuck
  // engine thread could still post.
  std::atomic<bool> stopped = false;

  std::mutex mutex;
  std::condition_variable idle;
  std::size_t pending = 0;  // alerts queued or on their way, every webhook
  std::vector<std::string> problems;

  void problem(std::string text) {
    {
      std::lock_guard lock(mutex);
      problems.push_back(std::move(text));
    }
    if (notify) notify();
  }

  void settled() {  // one alert went out, was given up or dropped
    std::lock_guard lock(mutex);
    if (--pending == 0) idle.notify_all();
  }

  asio::awaitable<Status> send(const WebhookSpec& spec, const Alert& alert) {
    const std::string body = alert_body(spec.format, alert);
    asio::steady_timer pause(io);
    auto backoff = spec.backoff;
    for (int attempt = 1;; ++attempt) {
      auto reply = co_await post_webhook(spec.url, body, spec.timeout);
      if (reply && reply->ok()) co_return Status{};
      const std::string what =
          reply ? fmt::format("HTTP {} {}", reply->status, reply->reason) : reply.error().message;
      if (reply && !reply->transient())
        co_return fail(Errc::io, fmt::format("refused with {} (not retried: the same request would be refused again)", what));
      if (attempt > spec.retries)
        co_return fail(reply ? Errc::io : reply.error().code,
                       fmt::format("not delivered after {} attempt{}: {}", attempt, attempt == 1 ? "" : "s", what));
      pause.expires_after(backoff);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  asio::awaitable<void> deliver(Channel& channel) {
    for (;;) {
      if (channel.queue.empty()) {
        co_await channel.wake.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      channel.sending = std::move(channel.queue.front());
      channel.queue.pop_front();
      if (auto st = co_await send(channel.spec, *channel.sending); !st)
        problem(fmt::format("{}: {}", describe(channel.spec, *channel.sending), st.error().message));
      channel.sending.reset();
      settled();
    }
  }
};

AlertSender::AlertSender(AlertsConfig config, std::function<void()> notify)
    : core_(std::make_unique<Core>(std::move(config), std::move(notify))) {
  Core* core = core_.get();
  for (const auto& spec : core->config.webhooks) {
    core->channels.push_back(std::make_unique<Channel>(core->io, spec));
    Channel* channel = core->channels.back().get();
    asio::co_spawn(core->io, core->deliver(*channel), [core, channel](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {  // out of memory, say: this webhook gets nothing more
        core->problem(fmt::format("webhook '{}' ({}): stopped sending: {}", channel->spec.name, channel->spec.where, x.what()));
      }
    });
  }
  thread_ = std::thread([core] { core->io.run(); });
}

AlertSender::~AlertSender() {
  if (!thread_.joinable()) return;
  core_->io.stop();
  thread_.join();
}

void AlertSender::post(const Alert& alert) {
  if (core_->stopped) return;
  for (const auto& owned : core_->channels) {
    Channel* channel = owned.get();
    if (!channel->spec.wants(alert.event)) continue;
    {
      std::lock_guard lock(core_->mutex);
      ++core_->pending;
    }
    asio::post(core_->io, [core = core_.get(), channel, alert] {
      if (channel->queue.size() >= kMaxQueuedAlerts) {
        core->problem(fmt::format("{}: dropped, {} newer alerts were waiting behind it", describe(channel->spec, channel->queue.front()),
                                  channel->queue.size()));
        channel->queue.pop_front();
        core->settled();
      }
      channel->queue.push_back(alert);
      channel->wake.cancel();
    });
  }
}

void AlertSender::finish() {
  if (core_->stopped.exchange(true)) return;
  {
    std::unique_lock lock(core_->mutex);
    core_->idle.wait_for(lock, core_->config.final_wait, [&] { return core_->pending == 0; });
  }
  core_->io.stop();
  thread_.join();
  // The sender's thread has ended: its channels are ours to read.
  const auto wait_ms = core_->config.final_wait.count();
  for (const auto& channel : core_->channels) {
    if (channel->sending)
      core_->problem(fmt::format("{}: still on its way when the run ended (final_wait_ms = {})",
                                 describe(channel->spec, *channel->sending), wait_ms));
    for (const auto& alert : channel->queue)
      core_->problem(fmt::format("{}: still queued when the run ended (final_wait_ms = {})", describe(channel->spec, alert),
                                 wait_ms));
  }
}

std::vector<std::string> AlertSender::take_problems() {
  std::lock_guard lock(core_->mutex);
  return std::exchange(core_->problems, {});
}

}  // namespace ledlab::engine
