#include "db/store.hpp"

#include "core/log.hpp"
#include "db/file_check.hpp"
#include "db/inbox.hpp"
#include "db/ownership.hpp"
#include "db/schema.hpp"
#include "db/writer.hpp"

#include <fmt/core.h>

#include <cmath>
#include <future>
#include <optional>

namespace ledlab::db {
namespace {
constexpr std::string_view kLog = "db";
}

Store::Store(std::filesystem::path path, StoreOptions options)
    : path_(std::move(path)),
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

void Store::writer_loop() {
  Connection& conn = session_->connection();
  for (;;) {
    InboxTake take = inbox_->take();
    IngestCounters counters;
    std::vector<Status> outcomes;
    outcomes.reserve(take.commands.size());
    Status batch;
    if (!take.samples->empty() || !take.commands.empty()) {
      auto tx = Transaction::begin(conn);
      if (!tx) batch = fail(tx.error());
      if (batch && !take.samples->empty()) batch = session_->write_samples(*take.samples, counters);
      // Each command in its own savepoint: a refused command must not take the batch with it.
      for (WriterCommand& cmd : take.commands) {
        if (!batch) break;
        if (auto s = conn.exec("SAVEPOINT command"); !s) {
          batch = s;
          break;
        }
        Status outcome = cmd.apply(*session_);
        if (!outcome) (void)conn.exec("ROLLBACK TO command");
        if (auto s = conn.exec("RELEASE command"); !s) batch = s;
        outcomes.push_back(std::move(outcome));
      }
      if (batch) batch = tx->commit();
    }
    if (batch) {
      committed_.fetch_add(counters.committed_samples, std::memory_order_relaxed);
      rejected_.fetch_add(counters.rejected_samples, std::memory_order_relaxed);
      batches_.fetch_add(counters.batches, std::memory_order_relaxed);
    } else {
      std::lock_guard lock(error_mutex_);
      if (!failed_.exchange(true)) {
        error_ = batch.error();
        log::error(kLog, "batch of {} samples lost: {}", take.samples->size(), error_.describe());
      }
    }
    for (std::size_t i = 0; i < take.commands.size(); ++i)
      take.commands[i].done(batch ? std::move(outcomes[i]) : batch);
    take.samples->clear();
    if (take.stop) break;
  }
}

Status Store::sticky() const {
  if (!failed_.load(std::memory_order_acquire)) return {};
  std::lock_guard lock(error_mutex_);
  return fail(error_);
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
  return call<void>([=, why = std::move(why)](WriterSession& s) {
    return s.finish_run(run, status, ended_s.value_or(unix_now_s()), why);
  }, AfterFailure::attempt);
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
  if (auto st = flush(); !st) return st;
  return call<void>(
      [run, checkpoint = std::move(checkpoint)](WriterSession& s) { return s.upsert_checkpoint(run, checkpoint); });
}

Result<Rewind> Store::rewind_to_checkpoint(RunId run) {
  return call<Rewind>([run](WriterSession& s) { return s.rewind_to_checkpoint(run); });
}

Status Store::flush() {
  return call<void>([](WriterSession&) -> Status { return {}; });
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
  s.recovered_runs = recovered_runs_;
  return s;
}

}  // namespace ledlab::db
