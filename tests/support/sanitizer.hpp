#pragma once
// How many times slower this build runs than a plain one. The wall-time safety nets of tests
// (how long to wait for a child's output, the engine watchdog's timeout in a test run) are
// multiplied by it, so a sanitizer build fails on findings, not on its own overhead. GCC defines
// __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__ under -fsanitize=address / thread (GCC manual,
// "Instrumentation Options"); the factors leave room over the typical slowdowns that the Clang
// AddressSanitizer (2x) and ThreadSanitizer (5x-15x) documentation give.
namespace ledlab::test {

#if defined(__SANITIZE_THREAD__)
inline constexpr int kSanitizerSlowdown = 10;
#elif defined(__SANITIZE_ADDRESS__)
inline constexpr int kSanitizerSlowdown = 4;
#else
inline constexpr int kSanitizerSlowdown = 1;
#endif

}  // namespace ledlab::test
