// The test harness's PostgreSQL cluster: a killed test leaves no server behind.
#include "lab/lab_test_support.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace ledlab;

namespace {

bool process_running(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), {});
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

}  // namespace

TEST_CASE("the server of a test process killed with SIGKILL shuts down, and the next cluster removes its directory") {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The "test process": starts a cluster, reports its server and directory, then waits to die.
    ::close(pipe_fds[0]);
    try {
      test::PgCluster own;
      const std::string line = std::to_string(own.server_pid()) + " " + own.dir().string() + "\n";
      if (::write(pipe_fds[1], line.data(), line.size()) < 0) ::_exit(3);
      ::pause();
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string line;
  char c = 0;
  while (::read(pipe_fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  ::close(pipe_fds[0]);
  REQUIRE_FALSE(line.empty());
  const pid_t server = static_cast<pid_t>(std::stol(line.substr(0, line.find(' '))));
  const std::filesystem::path dir = line.substr(line.find(' ') + 1);
  REQUIRE(process_running(server));

  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  // The server got SIGQUIT when its parent died (PR_SET_PDEATHSIG) and exits at once.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (process_running(server) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(process_running(server));
  CHECK(std::filesystem::exists(dir));
  test::PgCluster next;
  CHECK_FALSE(std::filesystem::exists(dir));
}
