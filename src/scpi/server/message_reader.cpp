#include "scpi/server/message_reader.hpp"

#include <algorithm>

namespace ledlab::scpi::server {

void MessageReader::append(std::string_view bytes) {
  if (skipping_) {
    // The refused message ends at the next terminator; a block header inside it can no longer
    // be trusted, so the first terminator byte counts.
    const auto end = bytes.find(terminator_);
    if (end == std::string_view::npos) return;
    skipping_ = false;
    bytes.remove_prefix(end + 1);
  }
  if (head_ > 0) {  // drop what was handed out; the framer counts from head_, so it is unaffected
    buf_.erase(0, head_);
    head_ = 0;
  }
  buf_.append(bytes);
  peak_ = std::max(peak_, buf_.size());
}

void MessageReader::refuse_pending() {
  ++overruns_;
  buf_.clear();
  head_ = 0;
  framer_.restart();
}

std::optional<std::string_view> MessageReader::next() {
  for (;;) {
    const std::string_view pending = std::string_view(buf_).substr(head_);
    const std::size_t end = framer_.find_end(pending);
    if (end == std::string_view::npos) {
      if (pending.size() > max_) {
        refuse_pending();
        skipping_ = true;
      }
      return std::nullopt;
    }
    framer_.restart();
    head_ += end + 1;
    if (end > max_) {  // complete, but longer than the buffer could have held
      ++overruns_;
      continue;
    }
    return pending.substr(0, end);
  }
}

}  // namespace ledlab::scpi::server
