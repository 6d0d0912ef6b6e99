#include "engine/run/batch_coordinator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace ledlab::engine {

namespace asio = boost::asio;
using nlohmann::json;

BatchCoordinator::Step::Step(const asio::any_io_executor& ex) : result(json()), wake(ex, asio::steady_timer::time_point::max()) {}

BatchCoordinator::BatchCoordinator(asio::any_io_executor executor, std::vector<std::string> sockets)
    : executor_(std::move(executor)), live_(sockets.begin(), sockets.end()) {}

std::shared_ptr<BatchCoordinator::Step> BatchCoordinator::step_of(const std::string& key, int turn) {
  auto& step = steps_[{key, turn}];
  if (!step) step = std::make_shared<Step>(executor_);
  return step;
}

void BatchCoordinator::try_release(const std::string& key, Step& step) {
  if (step.released || step.arrived.empty()) return;
  for (const auto& socket : live_)
    if (std::none_of(step.arrived.begin(), step.arrived.end(), [&](const auto& a) { return a.first == socket; })) return;
  step.released = true;
  step.leader = step.arrived.front().first;
  for (const auto& [socket, what] : step.arrived) {
    if (what == step.arrived.front().second) continue;
    step.mismatch = fmt::format("{}: socket {} asked for {} and socket {} for {}; a step the batch shares must be the "
                                "same for every socket",
                                key, step.leader, step.arrived.front().second.dump(), socket, what.dump());
    step.done = true;
    break;
  }
  step.wake.cancel();
}

void BatchCoordinator::forget_if_read(const std::string& key, int turn) {
  const auto it = steps_.find({key, turn});
  if (it != steps_.end() && it->second->done && it->second->waiting == 0) steps_.erase(it);
}

asio::awaitable<Result<BatchCoordinator::Turn>> BatchCoordinator::arrive(std::string socket, std::string key,
                                                                         json what) {
  const int turn = ++turns_[{key, socket}];
  auto step = step_of(key, turn);
  step->arrived.emplace_back(socket, std::move(what));
  // Counted while this socket may still read the outcome, also when its wait is cancelled.
  struct Reading {
    BatchCoordinator& self;
    std::shared_ptr<Step> step;
    const std::string& key;
    int turn;
    ~Reading() {
      --step->waiting;
      self.forget_if_read(key, turn);
    }
  };
  ++step->waiting;
  Reading reading{*this, step, key, turn};
  try_release(key, *step);
  while (!step->released) co_await step->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!step->mismatch.empty()) co_return fail(Errc::invalid_argument, step->mismatch);
  if (step->leader == socket) co_return Turn{.leader = true, .value = json()};
  while (!step->done) co_await step->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!step->result) co_return fail(step->result.error());
  co_return Turn{.leader = false, .value = *step->result};
}

void BatchCoordinator::finish(const std::string& socket, const std::string& key, Result<json> result) {
  const auto turn = turns_.find({key, socket});
  if (turn == turns_.end()) return;
  const auto it = steps_.find({key, turn->second});
  if (it == steps_.end() || it->second->leader != socket || it->second->done) return;
  auto& step = *it->second;
  step.result = std::move(result);
  step.done = true;
  step.wake.cancel();
  forget_if_read(key, turn->second);
}

asio::awaitable<Result<json>> BatchCoordinator::once(std::string socket, std::string key, json what,
                                                     lua::AsyncFunction step) {
  auto turn = co_await arrive(socket, key, what);
  if (!turn) co_return fail(turn.error());
  if (!turn->leader) co_return turn->value;
  Result<json> result = co_await step(std::move(what));
  finish(socket, key, result);
  co_return result;
}

void BatchCoordinator::ended(const std::string& socket, const std::string& why) {
  if (live_.erase(socket) == 0) return;
  // Copied: a released step may be forgotten while this loop wakes its readers.
  const auto steps = steps_;
  for (const auto& [id, step] : steps) {
    if (!step->released) {
      std::erase_if(step->arrived, [&](const auto& a) { return a.first == socket; });
      try_release(id.first, *step);
    } else if (step->leader == socket && !step->done) {
      step->result = fail(Errc::cancelled, fmt::format("{}: socket {}, which carried it out for the batch, ended first: {}",
                                                       id.first, socket, why));
      step->done = true;
      step->wake.cancel();
    }
  }
}

}  // namespace ledlab::engine
