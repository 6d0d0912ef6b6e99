#include "db/inbox.hpp"

#include <algorithm>

namespace ledlab::db {

Inbox::Inbox(std::size_t batch_samples, clock::duration max_latency)
    : filling_(&buffer_a_), spare_(&buffer_b_), capacity_(std::max<std::size_t>(batch_samples, 1)), max_latency_(max_latency) {
  buffer_a_.reserve(capacity_);
  buffer_b_.reserve(capacity_);
}

bool Inbox::push(const Sample& sample) { return push(std::span<const Sample>(&sample, 1)); }

bool Inbox::push(std::span<const Sample> samples) {
  std::unique_lock lock(mutex_);
  while (!samples.empty()) {
    space_free_.wait(lock, [&] { return closed_ || filling_->size() < capacity_; });
    if (closed_) return false;
    bool was_empty = filling_->empty();
    if (was_empty) oldest_ = clock::now();
    std::size_t n = std::min(samples.size(), capacity_ - filling_->size());
    filling_->insert(filling_->end(), samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(n));
    samples = samples.subspan(n);
    // Wake the writer only on the transitions it waits for: first sample (starts the age
    // clock) and full buffer. Notifying on every push would cost more than the push.
    if (was_empty || filling_->size() == capacity_) writer_wake_.notify_one();
  }
  return true;
}

bool Inbox::push(WriterCommand command) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    first = commands_.empty();
    commands_.push_back(std::move(command));
  }
  // The writer only waits while no command is queued: a burst of posts wakes it once, and
  // what comes while it commits goes into its next take.
  if (first) writer_wake_.notify_one();
  return true;
}

InboxTake Inbox::take() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!commands_.empty() || filling_->size() >= capacity_ || closed_) break;
    if (filling_->empty()) {
      writer_wake_.wait(lock);
    } else {
      auto due = oldest_ + max_latency_;
      if (clock::now() >= due) break;
      writer_wake_.wait_until(lock, due);
    }
  }
  InboxTake out;
  out.samples = filling_;
  out.commands = std::move(commands_);
  commands_.clear();
  out.stop = closed_;
  filling_ = spare_;
  spare_ = out.samples;
  lock.unlock();
  space_free_.notify_all();
  return out;
}

void Inbox::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  writer_wake_.notify_all();
  space_free_.notify_all();
}

}  // namespace ledlab::db
