#include "core/time_format.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
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

std::string iso_utc(double unix_s) { return format_utc(unix_s, "%Y-%m-%dT%H:%M:%SZ"); }

namespace {

// Reads exactly `digits` decimal digits at `at` into `out`.
bool read_digits(std::string_view text, std::size_t& at, int digits, int& out) {
  if (at + static_cast<std::size_t>(digits) > text.size()) return false;
  const char* first = text.data() + at;
  for (int i = 0; i < digits; ++i)
    if (first[i] < '0' || first[i] > '9') return false;
  std::from_chars(first, first + digits, out);
  at += static_cast<std::size_t>(digits);
  return true;
}

bool expect(std::string_view text, std::size_t& at, char c) {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

}  // namespace

Result<double> parse_utc(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return fail(Errc::invalid_argument,
                fmt::format("time '{}': {} (unix seconds, or UTC as 2023-11-14T22:13:20Z or 2023-11-14)", text, why));
  };
  if (text.empty()) return bad("empty");
  // Unix seconds: the whole text is one number.
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc{} && end == text.data() + text.size()) {
    if (!std::isfinite(seconds)) return bad("not a finite number");
    return seconds;
  }
  // ISO 8601 (RFC 3339 section 5.6 profile), UTC only.
  std::size_t at = 0;
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, at, 4, year) || !expect(text, at, '-') || !read_digits(text, at, 2, month) ||
      !expect(text, at, '-') || !read_digits(text, at, 2, day))
    return bad("not a number and not a date");
  double fraction = 0;
  if (at < text.size()) {
    if (!expect(text, at, 'T') || !read_digits(text, at, 2, hour) || !expect(text, at, ':') ||
        !read_digits(text, at, 2, minute))
      return bad("expected THH:MM after the date");
    if (at < text.size() && text[at] == ':') {
      ++at;
      if (!read_digits(text, at, 2, second)) return bad("expected two digits of seconds");
      if (at < text.size() && text[at] == '.') {
        const std::size_t begin = at;
        ++at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
        if (at == begin + 1) return bad("expected digits after the decimal point");
        std::from_chars(text.data() + begin, text.data() + at, fraction);  // ".25" parses as 0.25
      }
    }
    if (at == text.size()) return bad("no time zone: add 'Z' (UTC)");
    if (!expect(text, at, 'Z') || at != text.size()) return bad("only UTC ('Z') is accepted");
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return bad("a field is out of range");
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = timegm(&tm);
  // timegm normalises 2023-02-31 to March 3rd: a date that does not come back unchanged did not exist.
  if (tm.tm_mday != day || tm.tm_mon != month - 1) return bad("no such date");
  return static_cast<double>(t) + fraction;
}

}  // namespace ledlab
