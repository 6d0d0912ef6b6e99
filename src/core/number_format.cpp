#include "core/number_format.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ledlab {

std::string fixed(double value, int decimals) {
  std::string text = fmt::format("{:.{}f}", value, std::max(decimals, 0));
  // IEEE 754 keeps the sign of a negative number rounded to zero; the digits say zero.
  if (text.starts_with('-') && text.find_first_not_of("0.", 1) == std::string::npos) text.erase(0, 1);
  return text;
}

}  // namespace ledlab
