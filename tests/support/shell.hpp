#pragma once
// Runs a shell command line the way a user would, capturing its exit code and output.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <string>

#include <sys/wait.h>

// Outside namespace ledlab: test_cli names its helper ledlab().
namespace support {

struct Ran {
  int code;         // exit code; -1 when the command did not exit normally
  std::string out;  // stdout and stderr, interleaved
};

inline Ran shell(const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p);
  std::string out;
  std::array<char, 4096> buf{};
  while (auto n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace support
