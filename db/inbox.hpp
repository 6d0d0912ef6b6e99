#pragma once
// The border between the threads that append and the one writer thread. Samples go into a
// fixed-capacity "filling" buffer; the writer swaps it for its empty one, so at most two
// batches exist at any time and an appender that outruns the disk waits (back-pressure)
// instead of growing memory. Commands (runs, results, events...) share the same lock, and
// every take holds the filling buffer with the commands, so whatever a thread appended before
// it issued a command is committed no later than that command (series declarations are
// applied first in their transaction: the samples in it may name them).
#include "db/records.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

namespace ledlab::db {

class WriterSession;

// A unit of work for the writer: `apply` runs inside the batch transaction, `done` (if any:
// posted commands have none) runs after the commit with apply's outcome or, if the commit
// failed, the commit's error.
struct WriterCommand {
  std::function<Status(WriterSession&)> apply;
  std::function<void(Status)> done;
  // Declares series: applied before the samples of its take, which may name them. Every other
  // command is applied after the samples, in the order pushed.
  bool declares = false;
  // `apply` changes the database with one statement at most, which SQLite undoes by itself
  // when it fails (SQLite docs, "ON CONFLICT clause": ABORT backs out the statement's changes
  // and keeps the transaction), so it needs no savepoint of its own.
  bool one_statement = false;
};

struct InboxTake {
  std::vector<Sample>* samples = nullptr;  // the batch; the writer clears it when written
  std::deque<WriterCommand> commands;
  bool stop = false;                       // nothing more will ever come
};

class Inbox {
 public:
  using clock = std::chrono::steady_clock;
  Inbox(std::size_t batch_samples, clock::duration max_latency);

  // Producers. Return false once the inbox is closed.
  bool push(const Sample& sample);
  bool push(std::span<const Sample> samples);
  bool push(WriterCommand command);

  // Writer: blocks until a batch is due (full, old enough, or a command is waiting), then
  // hands over the filling buffer. The writer must have cleared the previous take's buffer:
  // it becomes the new filling buffer.
  InboxTake take();

  void close();  // wakes everyone; pushes fail from now on; take() returns what is left, then stop
  std::size_t batch_samples() const { return capacity_; }

 private:
  std::mutex mutex_;
  std::condition_variable writer_wake_;
  std::condition_variable space_free_;
  std::vector<Sample> buffer_a_, buffer_b_;
  std::vector<Sample>* filling_;
  std::vector<Sample>* spare_;  // the writer's batch between takes
  std::deque<WriterCommand> commands_;
  std::size_t capacity_;
  clock::duration max_latency_;
  clock::time_point oldest_;  // when the first sample of the filling buffer arrived
  bool closed_ = false;
};

}  // namespace ledlab::db
