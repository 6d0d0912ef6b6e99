#include "scpi/framing.hpp"

#include <algorithm>

namespace ledlab::scpi {
namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
}  // namespace

std::size_t MessageFramer::find_end(std::string_view data) {
  while (pos_ < data.size()) {
    const std::size_t i = pos_;
    const char c = data[i];
    if (c == terminator_) {
      // The terminator ends the message even inside an unbalanced quote: a stray quote must
      // not make the rest of the stream one message.
      return i;
    }
    if (quote_) {
      if (c == quote_) quote_ = 0;
      ++pos_;
      continue;
    }
    if (c == '"' || (framing_ == Framing::program && c == '\'')) {
      quote_ = c;
      element_start_ = false;
      ++pos_;
      continue;
    }
    if (element_start_ && c == '#' && i + 1 < data.size() && data[i + 1] >= '1' && data[i + 1] <= '9') {
      // #<n><n digits><len bytes>. While every length digit so far is a digit and some are
      // still to come, wait here at the '#'; a non-digit (the terminator, say) settles it.
      const std::size_t ndigits = static_cast<std::size_t>(data[i + 1] - '0');
      const std::size_t have = std::min(ndigits, data.size() - (i + 2));
      std::size_t len = 0;
      bool digits = true;
      for (std::size_t k = 0; k < have && digits; ++k) {
        const char d = data[i + 2 + k];
        digits = is_digit(d);
        len = len * 10 + static_cast<std::size_t>(d - '0');
      }
      if (digits && have < ndigits) return std::string_view::npos;
      element_start_ = false;
      // Not a block after all: the device's parser reports it; here '#' is an ordinary byte.
      pos_ = digits ? i + 2 + ndigits + len : i + 1;
      continue;
    }
    // A '#' last in the buffer may start a block: its next byte decides.
    if (element_start_ && c == '#' && i + 1 == data.size()) return std::string_view::npos;
    element_start_ = c == ',' || c == ';' || (framing_ == Framing::program && is_space(c));
    ++pos_;
  }
  return std::string_view::npos;
}

std::size_t find_message_end(std::string_view data, char terminator, Framing framing) {
  MessageFramer framer(terminator, framing);
  return framer.find_end(data);
}

}  // namespace ledlab::scpi
