#pragma once
// Unix seconds as UTC text and back, for tables, reports, the dashboard and CLI options.
#include "core/error.hpp"

#include <string>
#include <string_view>

namespace ledlab {

// `format` is a strftime format ("%Y-%m-%dT%H:%M:%SZ"); the result is at most 63 characters.
std::string format_utc(double unix_s, const char* format);
// ISO 8601 UTC to the second, as the CLI prints times: "2023-11-14T22:13:20Z".
std::string iso_utc(double unix_s);

// A point in time as a user writes it on a command line: unix seconds ("1700000000.5"), or
// an ISO 8601 UTC date and time as ledlab prints them ("2023-11-14T22:13:20Z", fractional
// seconds allowed, also "2023-11-14" for midnight). A time without its "Z" is refused rather
// than guessed to be local. Errors name the text: Errc::invalid_argument.
Result<double> parse_utc(std::string_view text);

}  // namespace ledlab
