#pragma once
// CSV text (RFC 4180) for the store's exports and the dashboard's Results export: one way to
// quote a field and to print a number, so that both read back the same in any CSV reader.
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace ledlab::db {

// RFC 4180 section 2: a field holding a comma, quote or line break is quoted, with the quotes
// inside doubled; any other field goes out as it is.
void append_csv_field(fmt::memory_buffer& out, std::string_view text);

// The shortest text that reads back to the same double (fmt's "{}"); non-finite values get
// one spelling whatever the sign bit of a NaN: "nan", "inf", "-inf".
void append_csv_number(fmt::memory_buffer& out, double value);
std::string csv_number(double value);

}  // namespace ledlab::db
