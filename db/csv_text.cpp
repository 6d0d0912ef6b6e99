#include "db/csv_text.hpp"

#include <cmath>
#include <iterator>

namespace ledlab::db {

void append_csv_field(fmt::memory_buffer& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text.data(), text.data() + text.size());
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_csv_number(fmt::memory_buffer& out, double value) {
  if (std::isfinite(value)) {
    fmt::format_to(std::back_inserter(out), "{}", value);
    return;
  }
  const std::string_view text = std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  out.append(text.data(), text.data() + text.size());
}

std::string csv_number(double value) {
  fmt::memory_buffer out;
  append_csv_number(out, value);
  return fmt::to_string(out);
}

}  // namespace ledlab::db
