#pragma once
// Runs a sequence to its end on a private io_context and hands back the outcome.
#include "engine/lua/sequence_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <optional>
#include <stdexcept>

namespace ledlab::lua::test {

// With a virtual clock, the loop jumps simulated time to the next sleeper's deadline whenever
// nothing else is ready, as a run's engine does (core/clock.hpp): no wall time in the test.
inline RunOutcome run_to_end(boost::asio::io_context& io, SequenceRunner& runner, std::shared_ptr<Clock> clock = nullptr) {
  std::optional<RunOutcome> outcome;
  boost::asio::co_spawn(io, runner.run(), [&](std::exception_ptr e, RunOutcome o) {
    if (e) std::rethrow_exception(e);
    outcome = std::move(o);
  });
  if (clock && clock->is_virtual()) {
    while (!outcome && !io.stopped()) {
      if (io.poll_one() > 0) continue;
      if (!clock->advance_to_next_deadline()) io.run_one();
    }
  }
  io.run();
  if (!outcome) throw std::logic_error("run did not complete");
  return *outcome;
}

inline RunOutcome run_text(const std::string& text, RunOptions options = {}, Sinks sinks = {}) {
  boost::asio::io_context io;
  auto clock = options.clock;
  SequenceRunner runner(SequenceScript(text, "seq.lua"), std::move(options), std::move(sinks));
  return run_to_end(io, runner, clock);
}

}  // namespace ledlab::lua::test
