#pragma once
// Runs a sequence to its end on a private io_context and hands back the outcome.
#include "engine/lua/sequence_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <optional>
#include <stdexcept>

namespace ledlab::lua::test {

inline RunOutcome run_to_end(boost::asio::io_context& io, SequenceRunner& runner) {
  std::optional<RunOutcome> outcome;
  boost::asio::co_spawn(io, runner.run(), [&](std::exception_ptr e, RunOutcome o) {
    if (e) std::rethrow_exception(e);
    outcome = std::move(o);
  });
  io.run();
  if (!outcome) throw std::logic_error("run did not complete");
  return *outcome;
}

inline RunOutcome run_text(const std::string& text, RunOptions options = {}, Sinks sinks = {}) {
  boost::asio::io_context io;
  SequenceRunner runner(SequenceScript(text, "seq.lua"), std::move(options), std::move(sinks));
  return run_to_end(io, runner);
}

}  // namespace ledlab::lua::test
