#pragma once
// The input buffer of one connection to a twin (IEEE 488.2 6.1.5): bytes in, program messages
// out. Each message is scanned once however many reads it takes to arrive, and a message
// longer than the buffer is skipped up to its terminator without being held, so what a
// client can make the twin buffer is bounded whatever it sends.
#include "scpi/framing.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ledlab::scpi::server {

class MessageReader {
 public:
  explicit MessageReader(std::size_t max_message_bytes, char terminator = '\n')
      : max_(max_message_bytes), terminator_(terminator), framer_(terminator, Framing::program) {}

  // Takes bytes just received. Bytes of a message being skipped are dropped here.
  void append(std::string_view bytes);
  // The next complete message, without its terminator; valid until the next append().
  std::optional<std::string_view> next();
  // Messages refused for their length since the last call (each is reported once).
  std::size_t take_overruns() { return std::exchange(overruns_, 0); }

  std::size_t buffered() const { return buf_.size() - head_; }
  std::size_t peak_buffered() const { return peak_; }

 private:
  void refuse_pending();

  std::size_t max_;
  char terminator_;
  MessageFramer framer_;   // scans buf_ from head_
  std::string buf_;
  std::size_t head_ = 0;   // bytes before head_ were handed out already
  bool skipping_ = false;  // the rest of an overlong message is still arriving
  std::size_t overruns_ = 0;
  std::size_t peak_ = 0;
};

}  // namespace ledlab::scpi::server
