// A run's control socket against clients that hog it, sockets left by killed runs, and runs
// that do not answer. Nothing here waits on the clock: each test waits for an answer, an
// error line or end of file, with generous timeouts only as a safety net.
#include "engine/run/control_endpoint.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;
using namespace ledlab::engine;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// A fresh $LEDLAB_RUN_DIR for one test.
struct RunDir {
  std::filesystem::path path;
  RunDir() {
    static std::atomic<int> n{0};
    path = std::filesystem::temp_directory_path() / ("ledlab-ctl-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    std::filesystem::create_directories(path);
    setenv("LEDLAB_RUN_DIR", path.c_str(), 1);
  }
  ~RunDir() {
    unsetenv("LEDLAB_RUN_DIR");
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string socket(const std::string& uuid) const { return (path / (uuid + ".sock")).string(); }
};

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

sockaddr_un address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  return a;
}

// A client that connects and then says nothing.
Fd idle_client(const std::string& path, int flags = 0) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | flags, 0));
  REQUIRE(fd.fd >= 0);
  const auto a = address(path);
  const int rc = ::connect(fd.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  if (rc != 0) return Fd(-1);
  return fd;
}

// A listening socket that never accepts: a run whose loop is stuck.
Fd deaf_listener(const std::string& path, int backlog) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  REQUIRE(fd.fd >= 0);
  const auto a = address(path);
  REQUIRE(::bind(fd.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd.fd, backlog) == 0);
  return fd;
}

// Everything the endpoint writes to `fd` until it closes the connection (10 s safety net).
std::string read_to_end(int fd) {
  const timeval limit{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// send_control on a thread of its own, so a client that hangs fails the test instead of
// hanging it (the thread is left behind; the process ends with the test run).
Result<std::string> ask(const std::string& uuid, const std::string& command, std::chrono::milliseconds timeout = 10s) {
  auto done = std::make_shared<std::promise<Result<std::string>>>();
  auto answer = done->get_future();
  std::thread([=] { done->set_value(send_control(uuid, command, timeout)); }).detach();
  if (answer.wait_for(timeout + 20s) != std::future_status::ready) FAIL("send_control hung");
  return answer.get();
}

std::string echo(std::string_view command) { return "answer to " + std::string(command); }

// An endpoint served on a thread of this process.
struct Served {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::unique_ptr<ControlEndpoint> endpoint;
  std::thread loop;
  Served(const std::string& uuid, ControlLimits limits = {}) {
    auto ep = ControlEndpoint::open(io, uuid, echo, limits);
    REQUIRE(ep);
    endpoint = std::move(*ep);
    loop = std::thread([this] { io.run(); });
  }
  ~Served() {
    work.reset();
    io.stop();
    loop.join();
  }
};

// An endpoint served by a child process that may hold at most `max_fds` descriptors, as a
// run would that has many instruments and files open. Returns once it listens.
struct ServedByChild {
  pid_t pid = -1;
  ServedByChild(const std::string& uuid, ControlLimits limits, rlim_t max_fds) {
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(ready[0]);
      rlimit lim{};
      ::getrlimit(RLIMIT_NOFILE, &lim);
      lim.rlim_cur = max_fds;
      ::setrlimit(RLIMIT_NOFILE, &lim);
      asio::io_context io;
      auto ep = ControlEndpoint::open(io, uuid, echo, limits);
      const char ok = ep ? '1' : '0';
      (void)!::write(ready[1], &ok, 1);
      ::close(ready[1]);
      if (!ep) _exit(1);
      io.run();
      _exit(0);
    }
    ::close(ready[1]);
    char ok = 0;
    (void)!::read(ready[0], &ok, 1);
    ::close(ready[0]);
    REQUIRE(ok == '1');
  }
  ~ServedByChild() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

}  // namespace

TEST_CASE("a control command is answered while 200 idle clients hold connections to the run") {
  RunDir dir;
  const std::string uuid = "0e9c1a52-idle-clients";
  ServedByChild run(uuid, {}, 64);  // far fewer descriptors than idle clients
  std::vector<Fd> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(idle_client(dir.socket(uuid)));
  auto reply = ask(uuid, "status");
  INFO((reply ? *reply : reply.error().message));
  REQUIRE(reply);
  CHECK(*reply == "answer to status");
  // The oldest idle clients were told why they were closed.
  CHECK_THAT(read_to_end(idle.front().fd), Catch::Contains("too many control connections"));
}

TEST_CASE("running out of file descriptors does not stop the control endpoint from accepting") {
  RunDir dir;
  const std::string uuid = "0e9c1a52-out-of-fds";
  ControlLimits unbounded;
  unbounded.max_connections = 100000;  // so only the descriptor limit bites
  ServedByChild run(uuid, unbounded, 64);
  std::vector<Fd> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(idle_client(dir.socket(uuid)));
  auto reply = ask(uuid, "status");
  INFO((reply ? *reply : reply.error().message));
  REQUIRE(reply);
  CHECK(*reply == "answer to status");
}

TEST_CASE("a control connection that sends no command is closed with a reason") {
  RunDir dir;
  const std::string uuid = "0e9c1a52-silent-client";
  ControlLimits quick;
  quick.idle_timeout = 50ms;
  Served run(uuid, quick);
  Fd silent = idle_client(dir.socket(uuid));
  REQUIRE(silent.fd >= 0);
  CHECK(read_to_end(silent.fd) == "error: no command within 50 ms; connection closed\n");
  CHECK(ask(uuid, "status").value() == "answer to status");
}

TEST_CASE("a socket file left by a killed run: ctl says it is not running, a new endpoint replaces it") {
  RunDir dir;
  const std::string uuid = "0e9c1a52-stale-socket";
  {
    Fd gone = deaf_listener(dir.socket(uuid), 4);  // closed below, its file stays: as after SIGKILL
  }
  REQUIRE(std::filesystem::exists(dir.socket(uuid)));
  auto stale = ask(uuid, "status");
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == Errc::not_found);
  CHECK_THAT(stale.error().message, Catch::Contains("is not running") && Catch::Contains(dir.socket(uuid)));

  Served run(uuid);
  CHECK(ask(uuid, "status").value() == "answer to status");
}

TEST_CASE("a second endpoint for a run that is served is refused and the first one goes on") {
  RunDir dir;
  const std::string uuid = "0e9c1a52-served-twice";
  Served first(uuid);
  asio::io_context io;
  auto second = ControlEndpoint::open(io, uuid, echo);
  REQUIRE_FALSE(second);
  CHECK_THAT(second.error().message, Catch::Contains("another process serves run " + uuid));
  CHECK(ask(uuid, "status").value() == "answer to status");
}

TEST_CASE("ctl gives up on a run that does not accept its connection") {
  RunDir dir;
  const std::string uuid = "0e9c1a52-stuck-accept";
  Fd stuck = deaf_listener(dir.socket(uuid), 0);
  // Fill the backlog, so a blocking connect would wait for an accept that never comes.
  std::vector<Fd> queued;
  for (int i = 0; i < 64; ++i) {
    Fd c = idle_client(dir.socket(uuid), SOCK_NONBLOCK);
    if (c.fd < 0) break;
    queued.push_back(std::move(c));
  }
  REQUIRE(queued.size() < 64);
  auto reply = ask(uuid, "abort", 200ms);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().code == Errc::timeout);
  CHECK_THAT(reply.error().message, Catch::Contains("did not answer within 200 ms"));
}

TEST_CASE("ctl gives up on a run that accepts but does not answer") {
  RunDir dir;
  const std::string uuid = "0e9c1a52-stuck-answer";
  Fd stuck = deaf_listener(dir.socket(uuid), 16);
  auto reply = ask(uuid, "abort", 200ms);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().code == Errc::timeout);
}
