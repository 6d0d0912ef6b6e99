#pragma once
// A running sequence's control endpoint: a Unix socket per run (<dir>/<uuid>.sock) through
// which another process steers it (`ledlab ctl pause RUN`). One line in, one line out.
#include "core/error.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace ledlab::engine {

class ControlEndpoint {
 public:
  // Answers one command ("pause", "resume", "abort", "status") with one line.
  using Handler = std::function<std::string(std::string_view command)>;

  // $LEDLAB_RUN_DIR, else /tmp/ledlab-runs.
  static std::filesystem::path directory();
  static Result<std::unique_ptr<ControlEndpoint>> open(boost::asio::io_context& io, const std::string& run_uuid,
                                                       Handler handler);
  ~ControlEndpoint();  // closes the socket and removes its file

  const std::filesystem::path& path() const { return path_; }

 private:
  ControlEndpoint(boost::asio::io_context& io, std::filesystem::path path, Handler handler);
  void accept();

  std::filesystem::path path_;
  Handler handler_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
};

// Sends a command to the run whose uuid starts with `run_prefix`; returns its answer.
Result<std::string> send_control(std::string_view run_prefix, std::string_view command);

}  // namespace ledlab::engine
