#include "gui/core/run_launcher.hpp"

#include "engine/run/control_sender.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ledlab::gui {

Result<Launched> launch_run(const LaunchRequest& request) {
  std::vector<std::string> args{request.ledlab.string(), "run", request.script.string(), "--station",
                                request.station.string(), "--db", request.db.string()};
  if (request.simulate) args.emplace_back("--sim");
  if (!request.dut_serial.empty()) args.insert(args.end(), {"--dut", request.dut_serial});
  if (!request.operator_name.empty()) args.insert(args.end(), {"--operator", request.operator_name});
  for (const auto& [name, value] : request.params) {
    args.emplace_back("-p");
    args.push_back(name + "=" + value);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The run's "started by" event names the dashboard and this process (engine/run/control_sender.hpp).
  // Built before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> env_text{fmt::format("{}=dashboard", engine::kStartedVia),
                                    fmt::format("{}={}", engine::kStartedByPid, ::getpid())};
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    if (!entry.starts_with(std::string(engine::kStartedVia) + "=") && !entry.starts_with(std::string(engine::kStartedByPid) + "="))
      env_text.emplace_back(entry);
  }
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto dir = request.db.has_parent_path() ? request.db.parent_path() : std::filesystem::path(".");
  Launched out;
  out.log = dir / fmt::format("{}.{}.{}.log", request.db.stem().string(), request.script.stem().string(), stamp);
  const std::string log = out.log.string();
  // Only async-signal-safe calls between fork and exec: this process has other threads.
  const pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::io, fmt::format("starting {}: fork: {}", request.script.string(), std::strerror(errno)));
  if (pid == 0) {
    ::setsid();  // its own session: no SIGHUP or Ctrl-C from the dashboard's terminal
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_RDONLY);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  out.pid = pid;
  return out;
}

std::optional<int> reap(pid_t pid) {
  int status = 0;
  if (pid <= 0 || ::waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<std::pair<double, std::string>> last_progress(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line;
  std::optional<std::pair<double, std::string>> found;
  while (std::getline(in, line)) {
    if (line.size() < 7 || line[0] != '[' || line[5] != ']') continue;
    try {
      found = std::pair{std::stod(line.substr(1, 4)) / 100.0, line.substr(7)};
    } catch (const std::exception&) {
      continue;  // not a progress line
    }
  }
  return found;
}

}  // namespace ledlab::gui
