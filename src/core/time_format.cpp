#include "core/time_format.hpp"

#include <ctime>

namespace ledlab {

std::string format_utc(double unix_s, const char* format) {
  const auto t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

}  // namespace ledlab
