#pragma once
// A running sequence's control endpoint: a Unix socket per run (<dir>/<uuid>.sock) through
// which another process steers it (`ledlab ctl pause RUN`). One line in, one line out.
//
// Whoever can reach the socket can open connections, so the endpoint bounds what they cost:
// at most `max_connections` at once (a new one closes the oldest, which had its chance), a
// connection that sends no command within `idle_timeout` is closed, and running out of file
// descriptors pauses accepting instead of ending it.
#include "core/error.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace ledlab::engine {

struct ControlLimits {
  std::size_t max_connections = 16;
  std::chrono::milliseconds idle_timeout{5000};  // from connect to the answer written
  std::chrono::milliseconds accept_retry{100};   // after EMFILE with no connection to close
};

class ControlEndpoint {
 public:
  // Answers one command ("pause", "resume", "abort", "status") with one line.
  using Handler = std::function<std::string(std::string_view command)>;
  using Limits = ControlLimits;

  // $LEDLAB_RUN_DIR, else /tmp/ledlab-runs.
  static std::filesystem::path directory();
  // A socket file left by a process that was killed (nobody accepts on it) is replaced; one
  // that a live process serves is not. Errors: Errc::io, naming the socket file.
  static Result<std::unique_ptr<ControlEndpoint>> open(boost::asio::io_context& io, const std::string& run_uuid,
                                                       Handler handler, Limits limits = {});
  ~ControlEndpoint();  // closes the socket and every connection, removes its file
  ControlEndpoint(const ControlEndpoint&) = delete;
  ControlEndpoint& operator=(const ControlEndpoint&) = delete;

  const std::filesystem::path& path() const { return path_; }

  struct State;  // shared with the pending operations, which may complete after the endpoint is gone

 private:
  ControlEndpoint(std::filesystem::path path, std::shared_ptr<State> state);

  std::filesystem::path path_;
  std::shared_ptr<State> state_;
};

// Sends a command to the run whose uuid starts with `run_prefix`; returns its answer.
// Connecting, sending and reading each give up after `timeout`. Errors: not_found (no such
// run, or its socket is left by a process that ended), invalid_argument (ambiguous prefix),
// timeout (the run does not accept or answer), io.
Result<std::string> send_control(std::string_view run_prefix, std::string_view command,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace ledlab::engine
