// The twin's accept loop when the process runs out of file descriptors. The server runs in a
// forked child that uses up its descriptors, so the test process keeps its own.
#include "scpi/server/server.hpp"
#include "support/raw_client.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <cerrno>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace ledlab::scpi::server;

namespace {

constexpr std::size_t kFailuresToSee = 4;

// The child: serves a device, tells the parent its port once no descriptor is left, waits for
// kFailuresToSee failed accepts, frees the descriptors, serves the client until it leaves.
[[noreturn]] void serve_without_descriptors(int port_pipe, const std::string& log_path) {
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (log < 0 || ::dup2(log, STDERR_FILENO) < 0) ::_exit(2);
  ::close(log);
  boost::asio::io_context io;
  auto device = std::make_shared<Device>(Identity{"ACME", "FD", "1", "1.0"});
  auto server = std::make_shared<Server>(io, device);
  server->start();

  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_cur, 128);  // a few /dev/null opens use it all up
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(3);
  std::vector<int> spare;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) spare.push_back(fd);
  if (errno != EMFILE) ::_exit(4);

  const std::uint16_t port = server->port();
  if (::write(port_pipe, &port, sizeof port) != sizeof port) ::_exit(5);
  ::close(port_pipe);  // frees one descriptor: use it up again
  if (const int fd = ::open("/dev/null", O_RDONLY); fd >= 0) spare.push_back(fd);

  while (server->accept_failures() < kFailuresToSee) io.run_one();
  for (int fd : spare) ::close(fd);
  while (server->connection_count() == 0) io.run_one();
  while (server->connection_count() > 0) io.run_one();  // until the parent hangs up
  ::_exit(0);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("out of file descriptors, the accept loop backs off, logs once, and accepts again once one is free") {
  const std::string log_path = std::string(LEDLAB_BINARY_DIR) + "/test_server_accept.log";
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    serve_without_descriptors(pipe_fds[1], log_path);
  }
  ::close(pipe_fds[1]);
  std::uint16_t port = 0;
  const bool got_port = ::read(pipe_fds[0], &port, sizeof port) == sizeof port;
  ::close(pipe_fds[0]);
  if (got_port) {
    // The handshake completes in the listen backlog; the reply needs the child to accept.
    ledlab::test::RawClient client(port);
    auto idn = client.ask("*IDN?");
    CHECK(idn == std::optional<std::string>("ACME,FD,1,1.0"));
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(got_port);

  const std::string log = read_file(log_path);
  INFO(log);
  // At least kFailuresToSee failures, one line for them, one line when it recovers.
  CHECK(count(log, "accept failed: Too many open files") == 1);
  CHECK(count(log, "accepts again") == 1);
  CHECK(count(log, "\n") == 2);
}
