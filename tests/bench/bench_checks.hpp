#pragma once
// What a benchmark program does with a failed step: it cannot measure anything after it, so it
// says which step failed and why, and exits 1. Shared by the bench programs that drive the store.
#include "core/error.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

namespace ledlab::bench {

using steady = std::chrono::steady_clock;

[[noreturn]] inline void die(const std::string& what) {
  fmt::print(stderr, "{}: {}\n", program_invocation_short_name, what);
  std::exit(1);
}

template <class T>
T check(Result<T> r, std::string_view what) {
  if (!r) die(fmt::format("{}: {}", what, r.error().describe()));
  return std::move(*r);
}
inline void check(Status s, std::string_view what) {
  if (!s) die(fmt::format("{}: {}", what, s.error().describe()));
}

inline double seconds_since(steady::time_point t0) { return std::chrono::duration<double>(steady::now() - t0).count(); }

}  // namespace ledlab::bench
