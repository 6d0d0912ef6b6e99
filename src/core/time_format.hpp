#pragma once
// Unix seconds as UTC text, for tables, reports and the dashboard.
#include <string>

namespace ledlab {

// `format` is a strftime format ("%Y-%m-%dT%H:%M:%SZ"); the result is at most 63 characters.
std::string format_utc(double unix_s, const char* format);

}  // namespace ledlab
