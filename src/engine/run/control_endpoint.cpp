#include "engine/run/control_endpoint.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <istream>

#include <sys/socket.h>
#include <sys/time.h>

namespace ledlab::engine {

namespace asio = boost::asio;
using asio::local::stream_protocol;

std::filesystem::path ControlEndpoint::directory() {
  if (const char* dir = std::getenv("LEDLAB_RUN_DIR"); dir && *dir) return dir;
  return "/tmp/ledlab-runs";
}

ControlEndpoint::ControlEndpoint(asio::io_context& io, std::filesystem::path path, Handler handler)
    : path_(std::move(path)), handler_(std::move(handler)), acceptor_(io) {}

Result<std::unique_ptr<ControlEndpoint>> ControlEndpoint::open(asio::io_context& io, const std::string& run_uuid,
                                                               Handler handler) {
  std::error_code fs_ec;
  std::filesystem::create_directories(directory(), fs_ec);
  auto path = directory() / (run_uuid + ".sock");
  std::filesystem::remove(path, fs_ec);  // a socket file left by a killed run of the same uuid
  std::unique_ptr<ControlEndpoint> ep(new ControlEndpoint(io, path, std::move(handler)));
  boost::system::error_code ec;
  ep->acceptor_.open(stream_protocol(), ec);
  if (!ec) ep->acceptor_.bind(stream_protocol::endpoint(path.string()), ec);
  if (!ec) ep->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(Errc::io, fmt::format("control endpoint {}: {}", path.string(), ec.message()));
  ep->accept();
  return ep;
}

ControlEndpoint::~ControlEndpoint() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  std::error_code fs_ec;
  std::filesystem::remove(path_, fs_ec);
}

void ControlEndpoint::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, stream_protocol::socket socket) {
    if (ec) return;  // closed
    auto peer = std::make_shared<stream_protocol::socket>(std::move(socket));
    auto buf = std::make_shared<asio::streambuf>(4096);
    asio::async_read_until(*peer, *buf, '\n', [this, peer, buf](const boost::system::error_code& rec, std::size_t) {
      if (rec) return;
      std::istream in(buf.get());
      std::string command;
      std::getline(in, command);
      auto reply = std::make_shared<std::string>(handler_(command) + "\n");
      asio::async_write(*peer, asio::buffer(*reply), [peer, reply](const boost::system::error_code&, std::size_t) {});
    });
    accept();
  });
}

Result<std::string> send_control(std::string_view run_prefix, std::string_view command) {
  std::filesystem::path found;
  int matches = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ControlEndpoint::directory(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".sock") && name.starts_with(run_prefix)) {
      found = entry.path();
      ++matches;
    }
  }
  if (matches == 0)
    return fail(Errc::not_found, fmt::format("no running sequence '{}' under {}", run_prefix, ControlEndpoint::directory().string()));
  if (matches > 1) return fail(Errc::invalid_argument, fmt::format("'{}' names {} running sequences", run_prefix, matches));
  asio::io_context io;
  stream_protocol::socket socket(io);
  boost::system::error_code bec;
  socket.connect(stream_protocol::endpoint(found.string()), bec);
  if (bec) return fail(Errc::unreachable, fmt::format("{}: {} (the run may have ended)", found.string(), bec.message()));
  // A run that does not answer within 5 s must not hang the caller (a dashboard's data thread).
  const timeval limit{5, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  const std::string line = std::string(command) + "\n";
  asio::write(socket, asio::buffer(line), bec);
  asio::streambuf buf;
  if (!bec) asio::read_until(socket, buf, '\n', bec);
  if (bec) return fail(Errc::io, fmt::format("{}: {}", found.string(), bec.message()));
  std::istream in(&buf);
  std::string reply;
  std::getline(in, reply);
  return reply;
}

}  // namespace ledlab::engine
