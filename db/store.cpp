#include "db/store.hpp"

#include "core/log.hpp"
#include "db/file_check.hpp"
#include "db/inbox.hpp"
#include "db/ownership.hpp"
#include "db/schema.hpp"
#include "db/writer.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <optional>

namespace ledlab::db {
namespace {
constexpr std::string_view kLog = "db";
}

Store::Store(std::filesystem::path path, StoreOptions options)
    : path_(std::move(path)),
      on_commit_(std::move(options.on_commit)),
      inbox_(std::make_unique<Inbox>(options.batch_samples,
                                     std::chrono::duration_cast<Inbox::clock::duration>(options.max_latency))) {}

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path, StoreOptions options) {
  // Every refusal names the file: the operator has to find it and look at it.
  const auto in_file = [&](Error e) {
    e.message = fmt::format("results store {}: {}", path.string(), e.message);
    return fail(std::move(e));
  };
  if (auto s = check_header(path); !s) return in_file(s.error());
  auto conn = Connection::open(path.string(), Connection::Mode::read_write_create);
  if (!conn) return in_file(conn.error());
  // Foreign or newer files are refused before anything (even the journal mode) changes them.
  if (auto s = check_store(*conn); !s) return in_file(s.error());
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > 0 && size <= options.quick_check_max_bytes)
    if (auto s = quick_check(*conn); !s) return in_file(s.error());
  if (auto s = configure_writer(*conn); !s) return in_file(s.error());
  if (auto s = migrate(*conn); !s) return in_file(s.error());
  auto session = WriterSession::create(std::move(*conn), options.chunks);
  if (!session) return in_file(session.error());

  auto tx = Transaction::begin(session->connection());
  if (!tx) return in_file(tx.error());
  auto recovered = session->recover_orphaned_runs();
  if (!recovered) return in_file(recovered.error());
  if (auto s = tx->commit(); !s) return in_file(s.error());

  std::unique_ptr<Store> store(new Store(path, options));
  store->session_ = std::make_unique<WriterSession>(std::move(*session));
  store->recovered_runs_ = *recovered;
  store->writer_ = std::thread([s = store.get()] { s->writer_loop(); });
  return store;
}

Store::~Store() {
  if (auto s = close(); !s) log::error(kLog, "closing {}: {}", path_.string(), s.error().describe());
}

namespace {

// One SAVEPOINT per command (SQLite docs, "SAVEPOINT"): a refused command is undone alone and
// the rest of the transaction commits. Prepared once: a take may hold thousands of posts.
class CommandSavepoint {
 public:
  explicit CommandSavepoint(Connection& conn) : conn_(conn) {}
  Status begin() { return run(begin_, "SAVEPOINT command"); }
  Status undo() { return run(undo_, "ROLLBACK TO command"); }
  Status release() { return run(release_, "RELEASE command"); }

 private:
  Status run(std::optional<Statement>& st, std::string_view sql) {
    if (!st) {
      auto prepared = conn_.prepare(sql);
      if (!prepared) return fail(prepared.error());
      st = std::move(*prepared);
    }
    return st->run();
  }
  Connection& conn_;
  std::optional<Statement> begin_, undo_, release_;
};

std::string lane_text(std::optional<int> lane) { return lane ? fmt::format(" lane {}", *lane) : std::string(); }

}  // namespace

void Store::resolve_handles(std::vector<Sample>& samples) const {
  for (Sample& s : samples) {
    if (s.series >= 0) continue;
    // A handle never handed out, or one whose declaration was refused, becomes 0: no series
    // has that id, so write_samples drops and counts the sample like any undeclared one.
    const auto k = static_cast<std::size_t>(-(s.series + 1));
    s.series = k < handle_ids_.size() ? handle_ids_[k] : 0;
  }
}

void Store::writer_loop() {
  Connection& conn = session_->connection();
  CommandSavepoint savepoint(conn);
  for (;;) {
    InboxTake take = inbox_->take();
    IngestCounters counters;
    std::vector<Status> outcomes(take.commands.size());
    Status batch;
    if (!take.samples->empty() || !take.commands.empty()) {
      auto tx = Transaction::begin(conn);
      if (!tx) batch = fail(tx.error());
      const auto apply = [&](std::size_t i) {
        if (!batch) return;
        WriterCommand& cmd = take.commands[i];
        if (cmd.one_statement) {
          outcomes[i] = cmd.apply(*session_);
          // An I/O error, a full disk or a lock may roll back the whole transaction instead.
          if (!outcomes[i] && !conn.in_transaction()) batch = fail(outcomes[i].error());
          return;
        }
        if (auto s = savepoint.begin(); !s) {
          batch = s;
          return;
        }
        outcomes[i] = cmd.apply(*session_);
        if (!outcomes[i])
          if (auto s = savepoint.undo(); !s) batch = s;
        if (auto s = savepoint.release(); batch && !s) batch = s;
      };
      // Declarations first: a sample in this take may name a series posted just before it.
      // Nothing else depends on the order of series rows and the rest of the take.
      for (std::size_t i = 0; i < take.commands.size(); ++i)
        if (take.commands[i].declares) apply(i);
      if (batch && !take.samples->empty()) {
        resolve_handles(*take.samples);
        batch = session_->write_samples(*take.samples, counters);
      }
      // Then every other command in the order it was issued, after the samples appended
      // before it: a checkpoint's marks cover all of them.
      for (std::size_t i = 0; i < take.commands.size(); ++i)
        if (!take.commands[i].declares) apply(i);
      if (batch) batch = tx->commit();
    }
    if (batch) {
      committed_.fetch_add(counters.committed_samples, std::memory_order_relaxed);
      rejected_.fetch_add(counters.rejected_samples, std::memory_order_relaxed);
      batches_.fetch_add(counters.batches, std::memory_order_relaxed);
      if (!take.samples->empty() || !take.commands.empty()) {
        transactions_.fetch_add(1, std::memory_order_relaxed);
        if (on_commit_) on_commit_();
      }
    } else {
      std::lock_guard lock(error_mutex_);
      if (!failed_.exchange(true)) {
        error_ = batch.error();
        log::error(kLog, "batch of {} samples and {} commands lost: {}", take.samples->size(), take.commands.size(),
                   error_.describe());
      }
    }
    for (std::size_t i = 0; i < take.commands.size(); ++i)
      if (take.commands[i].done) take.commands[i].done(batch ? std::move(outcomes[i]) : batch);
    take.samples->clear();
    if (take.stop) break;
  }
}

Status Store::sticky() const {
  if (!failed_.load(std::memory_order_acquire)) return {};
  std::lock_guard lock(error_mutex_);
  return fail(error_);
}

void Store::note_loss(RunId run, const Error& error) {
  log::error(kLog, "{}", error.describe());
  lost_posts_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(error_mutex_);
  Loss& loss = losses_[run];
  if (loss.count++ == 0) loss.first = error;
}

Status Store::loss(std::optional<RunId> run) const {
  if (lost_posts_.load(std::memory_order_acquire) == 0) return {};
  std::lock_guard lock(error_mutex_);
  auto it = run ? losses_.find(*run) : losses_.begin();
  if (it == losses_.end()) return {};
  Error e = it->second.first;
  if (it->second.count > 1) e.message += fmt::format(" (and {} more writes of run {} lost)", it->second.count - 1, it->first);
  return fail(std::move(e));
}

Status Store::post(RunId run, Posted how, std::function<Status(WriterSession&)> fn, AfterFailure after_failure) {
  if (auto s = sticky(); !s && after_failure == AfterFailure::refuse) return s;
  WriterCommand cmd{[this, run, fn = std::move(fn)](WriterSession& session) -> Status {
                      Status outcome = fn(session);
                      // Noted here, not after the commit: a checkpoint later in this same take
                      // must already see it.
                      if (!outcome) note_loss(run, outcome.error());
                      return outcome;
                    },
                    {}, how == Posted::declaration, how == Posted::one_statement};
  if (!inbox_->push(std::move(cmd))) return fail(Errc::storage, "the store is closed");
  return {};
}

template <class T, class Fn>
Result<T> Store::call(Fn fn, AfterFailure after_failure) {
  if (auto s = sticky(); !s && after_failure == AfterFailure::refuse) return fail(s.error());
  // std::function needs copyable captures, hence the shared promise.
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  auto slot = std::make_shared<std::optional<Result<T>>>();
  WriterCommand cmd{
      [fn = std::move(fn), slot](WriterSession& session) mutable -> Status {
        slot->emplace(fn(session));
        if (!slot->value()) return fail(slot->value().error());
        return {};
      },
      [promise, slot](Status outcome) {
        if (!outcome) promise->set_value(std::unexpected(outcome.error()));
        else promise->set_value(std::move(slot->value()));
      }};
  if (!inbox_->push(std::move(cmd))) return fail(Errc::storage, "the store is closed");
  return future.get();
}

Result<RunRecord> Store::begin_run(const RunProvenance& provenance) {
  return call<RunRecord>([provenance](WriterSession& s) { return s.insert_run(provenance); });
}

Result<RunRecord> Store::resume_run(RunId run) {
  return call<RunRecord>([run](WriterSession& s) { return s.resume_run(run); });
}

Status Store::end_run(RunId run, RunStatus status, std::optional<double> ended_s, std::string why) {
  auto ended = call<void>([=, this, why = std::move(why)](WriterSession& s) mutable {
    // Read on the writer thread: every post of the run issued before this call is applied.
    if (auto lost = loss(run); !lost) {
      if (status == RunStatus::finished) status = RunStatus::failed;
      // The engine usually names the loss itself (it saw it at its last flush).
      if (why.find(lost.error().message) == std::string::npos)
        why += fmt::format("{}{}", why.empty() ? "" : "; ", lost.error().message);
    }
    return s.finish_run(run, status, ended_s.value_or(unix_now_s()), why);
  }, AfterFailure::attempt);
  if (!ended) return ended;
  return loss(run);
}

Result<BatchRecord> Store::begin_batch(BatchRecord batch) {
  return call<BatchRecord>([batch = std::move(batch)](WriterSession& s) { return s.insert_batch(batch); });
}

Status Store::end_batch(std::int64_t batch, std::optional<double> ended_s) {
  return call<void>([=](WriterSession& s) { return s.finish_batch(batch, ended_s.value_or(unix_now_s())); });
}

Result<std::int64_t> Store::add_instrument(RunId run, InstrumentRecord instrument) {
  return call<std::int64_t>(
      [run, instrument = std::move(instrument)](WriterSession& s) { return s.insert_instrument(run, instrument); });
}

Status Store::upsert_dut(DutRecord dut) {
  return call<void>([dut = std::move(dut)](WriterSession& s) { return s.upsert_dut(dut); });
}

Result<SeriesId> Store::declare_series(RunId run, SeriesSpec spec) {
  return call<SeriesId>([run, spec = std::move(spec)](WriterSession& s) { return s.insert_series(run, spec); });
}

Result<std::vector<SeriesId>> Store::post_series(RunId run, std::vector<SeriesSpec> specs) {
  if (specs.empty()) return std::vector<SeriesId>{};
  // Handles are taken in order, so they only ever grow: handle_ids_ is indexed by -h-1.
  const std::int64_t first = next_handle_.fetch_add(static_cast<std::int64_t>(specs.size()));
  std::vector<SeriesId> handles(specs.size());
  for (std::size_t k = 0; k < specs.size(); ++k) handles[k] = -(first + static_cast<std::int64_t>(k)) - 1;
  auto posted = post(run, Posted::declaration, [this, run, first, specs = std::move(specs)](WriterSession& s) -> Status {
    auto ids = s.insert_series(run, specs);
    if (!ids) {
      const SeriesSpec& f = specs.front();
      return fail(ids.error().code,
                  fmt::format("series {}{} {}{} of run {} not declared, nor their samples stored: {}", f.quantity,
                              lane_text(f.lane), f.conditions_json,
                              specs.size() > 1 ? fmt::format(" and {} more", specs.size() - 1) : "", run,
                              ids.error().message));
    }
    const auto base = static_cast<std::size_t>(first);
    if (handle_ids_.size() < base + ids->size()) handle_ids_.resize(base + ids->size(), 0);
    std::copy(ids->begin(), ids->end(), handle_ids_.begin() + static_cast<std::ptrdiff_t>(base));
    return {};
  });
  if (!posted) return fail(posted.error());
  return handles;
}

Status Store::post_result(RunId run, ResultRecord result) {
  return post(run, Posted::one_statement, [run, result = std::move(result)](WriterSession& s) -> Status {
    const auto& open = s.open_runs();
    Status stored;
    if (std::find(open.begin(), open.end(), run) == open.end())
      stored = fail(Errc::invalid_argument, fmt::format("run {} is not open in this store", run));
    else if (auto id = s.insert_result(run, result); !id)
      stored = fail(id.error());
    if (stored) return {};
    return fail(stored.error().code, fmt::format("result {}{} = {} of run {} not stored: {}", result.name,
                                                 lane_text(result.lane), result.value, run, stored.error().message));
  });
}

Status Store::post_event(RunId run, EventRecord event) {
  return post(run, Posted::one_statement, [run, event = std::move(event)](WriterSession& s) -> Status {
    if (auto id = s.insert_event(run, event); !id)
      return fail(id.error().code, fmt::format("event '{}' from {} of run {} not stored: {}", event.message,
                                               event.source, run, id.error().message));
    return {};
  }, AfterFailure::attempt);
}

Status Store::append(const Sample& sample) { return append(std::span<const Sample>(&sample, 1)); }

Status Store::append(std::span<const Sample> samples) {
  if (failed_.load(std::memory_order_relaxed)) return sticky();
  // Refused here, whole, with the offending sample named: a NaN or infinite time (or a NaN
  // value) reaching the writer would fail its batch and take other samples with it.
  for (const Sample& s : samples)
    if (!std::isfinite(s.t_s) || std::isnan(s.value))
      return fail(Errc::invalid_argument, fmt::format("sample of series {} refused: time {} value {} (a time must be "
                                                      "finite and a value a number)", s.series, s.t_s, s.value));
  if (!inbox_->push(samples)) return fail(Errc::storage, "the store is closed");
  appended_.fetch_add(samples.size(), std::memory_order_relaxed);
  return {};
}

Result<std::int64_t> Store::record_result(RunId run, ResultRecord result) {
  return call<std::int64_t>([run, result = std::move(result)](WriterSession& s) { return s.insert_result(run, result); });
}

Result<std::int64_t> Store::log_event(RunId run, EventRecord event) {
  return call<std::int64_t>([run, event = std::move(event)](WriterSession& s) { return s.insert_event(run, event); },
                            AfterFailure::attempt);
}

Status Store::checkpoint(RunId run, CheckpointRecord checkpoint) {
  // One take: its samples are written before its commands, and the commands (the posts before
  // this one included) in the order they were issued, so the marks cover all of them.
  return call<void>([this, run, checkpoint = std::move(checkpoint)](WriterSession& s) -> Status {
    if (auto lost = loss(run); !lost)
      return fail(lost.error().code, fmt::format("checkpoint '{}' of run {} not taken: {}", checkpoint.name, run,
                                                 lost.error().message));
    return s.upsert_checkpoint(run, checkpoint);
  });
}

Result<Rewind> Store::rewind_to_checkpoint(RunId run) {
  return call<Rewind>([run](WriterSession& s) { return s.rewind_to_checkpoint(run); });
}

Status Store::flush() {
  if (auto st = call<void>([](WriterSession&) -> Status { return {}; }); !st) return st;
  return loss(std::nullopt);
}

Status Store::close() {
  if (closed_) return sticky();
  closed_ = true;
  // A run still open here did not end through the engine: say so instead of leaving it 'running'.
  Status result = call<void>([](WriterSession& s) -> Status {
    auto open = s.open_runs();
    for (RunId run : open)
      if (auto st = s.finish_run(run, RunStatus::interrupted, unix_now_s(), "store closed while the run was running"); !st)
        return st;
    return {};
  });
  inbox_->close();
  if (writer_.joinable()) writer_.join();
  return result;
}

StoreStats Store::stats() const {
  StoreStats s;
  s.appended_samples = appended_.load();
  s.committed_samples = committed_.load();
  s.rejected_samples = rejected_.load();
  s.batches = batches_.load();
  s.transactions = transactions_.load();
  s.lost_posts = lost_posts_.load();
  s.recovered_runs = recovered_runs_;
  return s;
}

}  // namespace ledlab::db
