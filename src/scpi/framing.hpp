#pragma once
// Where one message ends in a byte stream that keeps growing: the terminator, except inside
// the payload of a definite-length block (IEEE 488.2 7.7.6 for program data, 8.7.9 for
// response data), whose bytes may include the terminator. The scan resumes where it stopped,
// so a message that arrives in many pieces is scanned once, not once per piece.
#include <cstddef>
#include <string_view>

namespace ledlab::scpi {

enum class Framing {
  response,  // a device's reply: a block starts a response data element (after ',' or ';')
  program,   // a controller's message: a block may also follow the header separator (white space)
};

class MessageFramer {
 public:
  MessageFramer(char terminator, Framing framing) : terminator_(terminator), framing_(framing) {}

  // The index of the terminator that ends the first message of `data`, or npos while the
  // message is incomplete. Successive calls must see the same bytes with more appended; after
  // the caller takes the message off the front, restart().
  std::size_t find_end(std::string_view data);
  void restart() { *this = MessageFramer(terminator_, framing_); }

 private:
  char terminator_;
  Framing framing_;
  std::size_t pos_ = 0;       // next byte to look at (past the end while a block payload arrives)
  bool element_start_ = true;
  char quote_ = 0;            // inside a string, '#' is a character like any other
};

// One-shot form of MessageFramer::find_end for a complete buffer.
std::size_t find_message_end(std::string_view data, char terminator, Framing framing);

}  // namespace ledlab::scpi
