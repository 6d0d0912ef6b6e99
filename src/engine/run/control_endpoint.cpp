#include "engine/run/control_endpoint.hpp"

#include "core/log.hpp"

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <list>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

namespace ledlab::engine {

namespace asio = boost::asio;
using asio::local::stream_protocol;

namespace {

constexpr std::string_view kLog = "control";
constexpr std::size_t kMaxCommandBytes = 4096;
constexpr std::size_t kMaxReplyBytes = std::size_t{16} << 20;

struct UniqueFd {
  int fd = -1;
  explicit UniqueFd(int f) : fd(f) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd >= 0) ::close(fd);
  }
};

// unix(7): sun_path holds at most 107 bytes and a NUL; a longer $LEDLAB_RUN_DIR is an error
// here rather than an exception from Asio's endpoint.
Result<sockaddr_un> unix_address(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof addr.sun_path)
    return fail(Errc::io, fmt::format("control socket path {} is longer than the {} bytes a Unix socket name may have",
                                      p, sizeof addr.sun_path - 1));
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  return addr;
}

int connect_to(int fd, const sockaddr_un& addr) {
  return ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
}

enum class SocketFile { absent, stale, live };

// Whether a process accepts on the socket file at `path`, asked without waiting: a
// non-blocking connect(2) to a Unix socket succeeds or fails with EAGAIN (backlog full) when
// somebody listens, and fails with ECONNREFUSED when the file is left from a closed socket.
Result<SocketFile> probe(const std::filesystem::path& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return errno == ENOENT ? Result<SocketFile>(SocketFile::absent)
                           : fail(Errc::io, fmt::format("{}: {}", path.string(), std::strerror(errno)));
  if (!S_ISSOCK(st.st_mode))
    return fail(Errc::io, fmt::format("{} exists and is not a socket; remove it or set LEDLAB_RUN_DIR", path.string()));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.fd < 0) return fail(Errc::io, fmt::format("socket: {}", std::strerror(errno)));
  if (connect_to(fd.fd, addr) == 0 || errno == EAGAIN) return SocketFile::live;
  if (errno == ECONNREFUSED) return SocketFile::stale;
  if (errno == ENOENT) return SocketFile::absent;
  return fail(Errc::io, fmt::format("{}: {}", path.string(), std::strerror(errno)));
}

struct Peer {
  Peer(asio::io_context& io, stream_protocol::socket s) : socket(std::move(s)), buf(kMaxCommandBytes), idle(io) {}
  stream_protocol::socket socket;
  asio::streambuf buf;
  asio::steady_timer idle;
  std::string reply;
};

}  // namespace

struct ControlEndpoint::State : std::enable_shared_from_this<State> {
  State(asio::io_context& context, Handler h, Limits l)
      : io(context), acceptor(context), retry(context), handler(std::move(h)), limits(l) {}

  void accept();
  void serve(std::shared_ptr<Peer> peer);
  void drop(std::shared_ptr<Peer> peer, std::string_view why = {});
  std::string answer(std::string_view command);
  void close();

  asio::io_context& io;
  stream_protocol::acceptor acceptor;
  asio::steady_timer retry;
  Handler handler;
  Limits limits;
  std::list<std::shared_ptr<Peer>> peers;  // oldest first
  bool closed = false;
  bool short_of_descriptors = false;  // logged once per shortage, not per refused accept
};

void ControlEndpoint::State::accept() {
  acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, stream_protocol::socket s) {
    if (self->closed || ec == asio::error::operation_aborted) return;
    if (ec) {
      // accept(2): EMFILE, ENFILE, ENOBUFS, ENOMEM, ECONNABORTED leave the listening socket
      // usable. Free a descriptor by closing the oldest connection and go on; with none to
      // close, go on after a pause. Giving up here would leave every later `ledlab ctl`
      // waiting in the backlog.
      if (!self->short_of_descriptors)
        log::warn(kLog, "accepting a control connection: {}; closing the oldest to go on", ec.message());
      self->short_of_descriptors = true;
      if (!self->peers.empty()) {
        self->drop(self->peers.front(), "error: the run is short of file descriptors; connection closed");
        self->accept();
        return;
      }
      self->retry.expires_after(self->limits.accept_retry);
      self->retry.async_wait([self](const boost::system::error_code& tec) {
        if (!tec && !self->closed) self->accept();
      });
      return;
    }
    self->short_of_descriptors = false;
    // Full: the oldest connection has had the longest to send its command; the newest may
    // be an operator's `ledlab ctl abort`.
    if (self->peers.size() >= std::max<std::size_t>(self->limits.max_connections, 1))
      self->drop(self->peers.front(), "error: too many control connections; the oldest was closed");
    self->serve(std::make_shared<Peer>(self->io, std::move(s)));
    self->accept();
  });
}

void ControlEndpoint::State::serve(std::shared_ptr<Peer> peer) {
  peers.push_back(peer);
  // One deadline for the whole exchange: command in, answer out.
  peer->idle.expires_after(limits.idle_timeout);
  peer->idle.async_wait([self = shared_from_this(), peer](const boost::system::error_code& ec) {
    if (ec || self->closed || !peer->socket.is_open()) return;
    self->drop(peer, fmt::format("error: no command within {} ms; connection closed", self->limits.idle_timeout.count()));
  });
  asio::async_read_until(
      peer->socket, peer->buf, '\n', [self = shared_from_this(), peer](const boost::system::error_code& ec, std::size_t) {
        if (self->closed || !peer->socket.is_open()) return;  // dropped meanwhile
        if (ec) {
          self->drop(peer, ec == asio::error::not_found ? "error: command line too long" : "");
          return;
        }
        std::istream in(&peer->buf);
        std::string command;
        std::getline(in, command);
        peer->reply = self->answer(command) + "\n";
        asio::async_write(peer->socket, asio::buffer(peer->reply),
                          [self, peer](const boost::system::error_code&, std::size_t) { self->drop(peer); });
      });
}

std::string ControlEndpoint::State::answer(std::string_view command) {
  try {
    return handler(command);
  } catch (const std::exception& e) {  // the connection's boundary: the run goes on
    log::error(kLog, "control command '{}' failed: {}", command, e.what());
    return fmt::format("error: {}", e.what());
  }
}

void ControlEndpoint::State::drop(std::shared_ptr<Peer> peer, std::string_view why) {
  peers.remove(peer);
  boost::system::error_code ignored;
  if (!why.empty() && peer->socket.is_open()) {
    // Best effort and never blocking: one short line fits an idle connection's buffer.
    const std::string line = std::string(why) + "\n";
    peer->socket.non_blocking(true, ignored);
    peer->socket.send(asio::buffer(line), 0, ignored);
  }
  peer->idle.cancel();
  peer->socket.close(ignored);
}

void ControlEndpoint::State::close() {
  closed = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  retry.cancel();
  for (auto& peer : peers) {
    peer->idle.cancel();
    peer->socket.close(ignored);
  }
  peers.clear();
}

std::filesystem::path ControlEndpoint::directory() {
  if (const char* dir = std::getenv("LEDLAB_RUN_DIR"); dir && *dir) return dir;
  return "/tmp/ledlab-runs";
}

ControlEndpoint::ControlEndpoint(std::filesystem::path path, std::shared_ptr<State> state)
    : path_(std::move(path)), state_(std::move(state)) {}

Result<std::unique_ptr<ControlEndpoint>> ControlEndpoint::open(asio::io_context& io, const std::string& run_uuid,
                                                               Handler handler, Limits limits) {
  std::error_code fs_ec;
  std::filesystem::create_directories(directory(), fs_ec);
  const auto path = directory() / (run_uuid + ".sock");
  auto addr = unix_address(path);
  if (!addr) return fail(addr.error());
  auto found = probe(path, *addr);
  if (!found) return fail(found.error());
  if (*found == SocketFile::live)
    return fail(Errc::io, fmt::format("control endpoint {}: another process serves run {} on it", path.string(), run_uuid));
  if (*found == SocketFile::stale) std::filesystem::remove(path, fs_ec);  // left by a killed run of the same uuid

  auto state = std::make_shared<State>(io, std::move(handler), limits);
  boost::system::error_code ec;
  state->acceptor.open(stream_protocol(), ec);
  if (!ec) state->acceptor.bind(stream_protocol::endpoint(path.string()), ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(Errc::io, fmt::format("control endpoint {}: {}", path.string(), ec.message()));
  state->accept();
  return std::unique_ptr<ControlEndpoint>(new ControlEndpoint(path, std::move(state)));
}

ControlEndpoint::~ControlEndpoint() {
  state_->close();
  std::error_code fs_ec;
  std::filesystem::remove(path_, fs_ec);
}

// ---- the client side: `ledlab ctl`, the dashboard ----

namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`: true when ready, false when the time is up.
Result<bool> wait_until(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return fail(Errc::io, fmt::format("poll: {}", std::strerror(errno)));
  }
}

Result<std::string> exchange(const std::filesystem::path& path, const std::string& run, std::string_view command,
                             std::chrono::milliseconds timeout) {
  auto addr = unix_address(path);
  if (!addr) return fail(addr.error());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0) return fail(Errc::io, fmt::format("socket: {}", std::strerror(errno)));
  const auto no_answer = [&] {
    return fail(Errc::timeout,
                fmt::format("run {} did not answer within {} ms ({}); it may be hung", run, timeout.count(), path.string()));
  };
  // socket(7): SO_SNDTIMEO bounds connect(2) too. A Unix-domain connect waits while the
  // listener's backlog is full (a run that stopped accepting) and fails with EAGAIN at the end.
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  const timeval limit{static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
  ::setsockopt(fd.fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  const auto deadline = Clock::now() + timeout;
  if (connect_to(fd.fd, *addr) != 0) {
    const int err = errno;
    if (err == ECONNREFUSED)
      return fail(Errc::not_found, fmt::format("run {} is not running: nobody accepts on {} (left by a process that "
                                               "ended)",
                                               run, path.string()));
    if (err == ENOENT) return fail(Errc::not_found, fmt::format("run {} is not running (it has ended)", run));
    if (err == EAGAIN || err == EINPROGRESS || err == EINTR) return no_answer();
    return fail(Errc::io, fmt::format("{}: connect: {}", path.string(), std::strerror(err)));
  }
  ::fcntl(fd.fd, F_SETFL, ::fcntl(fd.fd, F_GETFL) | O_NONBLOCK);

  const std::string line = std::string(command) + "\n";
  for (std::size_t sent = 0; sent < line.size();) {
    const ssize_t n = ::send(fd.fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN || errno == EINTR) {
      auto ready = wait_until(fd.fd, POLLOUT, deadline);
      if (!ready) return fail(ready.error());
      if (!*ready) return no_answer();
    } else {
      return fail(Errc::disconnected, fmt::format("run {}: sending '{}': {}", run, command, std::strerror(errno)));
    }
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    if (auto nl = reply.find('\n'); nl != std::string::npos) return reply.substr(0, nl);
    if (reply.size() > kMaxReplyBytes) return fail(Errc::protocol, fmt::format("run {}: reply longer than 16 MiB", run));
    const ssize_t n = ::recv(fd.fd, buf, sizeof buf, 0);
    if (n > 0) {
      reply.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return fail(Errc::disconnected, fmt::format("run {} closed the control connection without an answer{}", run,
                                                  reply.empty() ? "" : ": " + reply));
    } else if (errno == EAGAIN || errno == EINTR) {
      auto ready = wait_until(fd.fd, POLLIN, deadline);
      if (!ready) return fail(ready.error());
      if (!*ready) return no_answer();
    } else {
      return fail(Errc::disconnected, fmt::format("run {}: reading the answer: {}", run, std::strerror(errno)));
    }
  }
}

}  // namespace

Result<std::string> send_control(std::string_view run_prefix, std::string_view command,
                                 std::chrono::milliseconds timeout) {
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
  return exchange(found, found.stem().string(), command, timeout);
}

}  // namespace ledlab::engine
