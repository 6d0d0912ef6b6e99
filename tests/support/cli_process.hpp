#pragma once
// The ledlab executable driven as a user drives it: a command and its output, or a headless
// run in the background with its output going to a log file.
#include "support/paths.hpp"
#include "support/sanitizer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <csignal>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace ledlab::test {

struct Ran {
  int code;
  std::string out;
};

// Any command line through /bin/sh (e.g. `xvfb-run -a .../ledlab gui ...`), stderr with stdout.
inline Ran run_shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  std::array<char, 4096> buf{};
  while (auto n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// `xvfb-run -a` with a 1920x1200 screen, its display search starting from a number of this
// process's own: xvfb-run picks the first display without a lock file, so two tests starting
// at once from the same number can both pick it and one Xvfb then fails to start.
inline std::string xvfb_run() {
  return "xvfb-run -a -n " + std::to_string(100 + ::getpid() % 800) + " -s '-screen 0 1920x1200x24' ";
}

inline Ran run_ledlab(const std::string& args) { return run_shell(std::string(LEDLAB_BINARY_DIR) + "/ledlab " + args); }

// Writes a sequence into the build tree and returns its path.
inline std::string write_script(const std::string& name, const std::string& text) {
  const std::string path = in_build(name);
  std::ofstream(path) << text;
  return path;
}

// `ledlab run` arguments for a script on the simulated station, into a fresh store.
inline std::string run_args(const std::string& script, const std::string& db) {
  remove_db(db);
  return "run " + script + " --station " LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml --sim --db " + db;
}

// A headless `ledlab run` in the background, its output going to a log file.
struct HeadlessRun {
  std::string log;
  pid_t pid = -1;

  HeadlessRun(const std::string& args, std::string log_path) : log(std::move(log_path)) {
    std::remove(log.c_str());  // a stale log would be taken for this run's progress
    const std::string cmd = "exec " + std::string(LEDLAB_BINARY_DIR) + "/ledlab " + args + " > " + log + " 2>&1 < /dev/null";
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  // A test that fails before exit_code() leaves no run behind.
  ~HeadlessRun() {
    if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  HeadlessRun(const HeadlessRun&) = delete;
  HeadlessRun& operator=(const HeadlessRun&) = delete;
  std::string text() const {
    std::ifstream in(log);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  long lines() const {
    const std::string t = text();
    return static_cast<long>(std::count(t.begin(), t.end(), '\n'));
  }
  // Up to `seconds` (times the sanitizer slowdown).
  bool wait_for(const std::string& what, int seconds = 10) const {
    for (int i = 0; i < seconds * 20 * kSanitizerSlowdown; ++i, usleep(50000))
      if (text().find(what) != std::string::npos) return true;
    return false;
  }
  int exit_code() {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    pid = -1;
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
  }
};

}  // namespace ledlab::test
