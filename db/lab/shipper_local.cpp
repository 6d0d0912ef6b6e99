#include "db/lab/shipper_local.hpp"

#include "db/chunk_codec.hpp"
#include "db/lab/shipper.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ledlab::db::lab {
namespace {

std::string id_list(std::span<const SeriesId> ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += fmt::format("{}{}", i ? "," : "", ids[i]);
  return out + "]";
}

// Re-encodes buffered samples as chunks of at most a full chunk each.
class Pending {
 public:
  explicit Pending(std::int64_t first_seq) : first_(first_seq) {}
  void add(double t, double v) { t_.push_back(t), v_.push_back(v); }
  std::int64_t next_seq() const { return first_ + static_cast<std::int64_t>(t_.size()); }
  bool full() const { return static_cast<std::int64_t>(t_.size()) >= kFullChunkSamples; }
  // Passes the buffer on as one chunk; false when the visitor asked to stop.
  Result<bool> flush(const ChunkVisitor& visit) {
    if (t_.empty()) return true;
    auto go = visit(make_chunk_row(first_, t_, v_));
    first_ += static_cast<std::int64_t>(t_.size());
    t_.clear(), v_.clear();
    return go;
  }
  void restart(std::int64_t first_seq) { first_ = first_seq; }

 private:
  std::int64_t first_;
  std::vector<double> t_, v_;
};

}  // namespace

ChunkRow make_chunk_row(std::int64_t first_seq, std::span<const double> t, std::span<const double> v) {
  ChunkRow row;
  row.first_seq = first_seq;
  row.n = static_cast<std::int64_t>(t.size());
  row.t_min = *std::min_element(t.begin(), t.end());
  row.t_max = *std::max_element(t.begin(), t.end());
  double v_min = std::numeric_limits<double>::infinity(), v_max = -v_min, v_sum = 0;
  std::size_t counted = 0;
  for (double x : v) {
    if (std::isnan(x)) continue;
    v_min = std::min(v_min, x), v_max = std::max(v_max, x), v_sum += x, ++counted;
  }
  if (counted > 0) row.v_min = v_min, row.v_max = v_max, row.v_sum = v_sum;
  row.v_first = v.front(), row.v_last = v.back();
  encode_chunk(t, v, row.data);
  return row;
}

Status HotRows::load(Connection& conn, std::span<const SeriesId> series) {
  rows_.clear();
  if (series.empty()) return {};
  auto st = conn.prepare(
      "SELECT series_id, seq, t_s, value FROM hot_samples WHERE series_id IN (SELECT value FROM json_each(?1)) "
      "ORDER BY hot_id");
  if (!st) return fail(st.error());
  st->bind(1, id_list(series));
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    Rows& r = rows_[st->column_int(0)];
    r.seq.push_back(st->column_int(1));
    r.t.push_back(st->column_double(2));
    r.v.push_back(st->column_double(3));
  }
  return {};
}

const HotRows::Rows* HotRows::of(SeriesId series) const {
  auto it = rows_.find(series);
  return it == rows_.end() ? nullptr : &it->second;
}

Status for_each_chunk_row(Connection& conn, const HotRows& hot, SeriesId series, std::int64_t from, std::int64_t to,
                          const ChunkVisitor& visit) {
  if (from >= to) return {};
  auto st = conn.prepare(
      "SELECT c.first_seq, c.n, c.t_min, c.t_max, c.v_min, c.v_max, c.v_sum, c.v_first, c.v_last, d.data "
      "FROM chunks c JOIN chunk_data d USING(chunk_id) WHERE c.series_id = ?1 AND c.first_seq < ?3 "
      "AND c.first_seq + c.n > ?2 ORDER BY c.first_seq");
  if (!st) return fail(st.error());
  st->bind(1, series).bind(2, from).bind(3, to);
  Pending pending(from);
  std::vector<double> t, v;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const std::int64_t first = st->column_int(0), n = st->column_int(1);
    const std::int64_t at = pending.next_seq();
    if (first > at)
      return fail(Errc::storage, fmt::format("series {}: samples {}..{} are missing from the store", series, at, first - 1));
    if (first == at && first + n <= to) {
      // As stored: the lab copy holds the same bytes as the local chunk.
      auto go = pending.flush(visit);
      if (!go) return fail(go.error());
      if (!*go) return {};
      ChunkRow out;
      out.first_seq = first, out.n = n;
      out.t_min = st->column_double(2), out.t_max = st->column_double(3);
      out.v_min = st->column_opt_double(4), out.v_max = st->column_opt_double(5), out.v_sum = st->column_opt_double(6);
      out.v_first = st->column_double(7), out.v_last = st->column_double(8);
      const auto blob = st->column_blob(9);
      out.data.assign(blob.begin(), blob.end());
      pending.restart(first + n);
      auto more = visit(out);
      if (!more) return fail(more.error());
      if (!*more) return {};
      continue;
    }
    t.clear(), v.clear();
    if (auto s = decode_chunk(st->column_blob(9), t, v); !s)
      return fail(Errc::storage, fmt::format("series {} chunk at {}: {}", series, first, s.error().message));
    for (std::int64_t seq = at; seq < std::min(first + n, to); ++seq) {
      const auto i = static_cast<std::size_t>(seq - first);
      if (i >= t.size()) break;
      pending.add(t[i], v[i]);
      if (pending.full()) {
        auto go = pending.flush(visit);
        if (!go) return fail(go.error());
        if (!*go) return {};
      }
    }
  }
  if (const HotRows::Rows* rows = hot.of(series)) {
    for (std::size_t i = 0; i < rows->seq.size(); ++i) {
      const std::int64_t seq = rows->seq[i];
      if (seq < pending.next_seq() || seq >= to) continue;
      if (seq != pending.next_seq())
        return fail(Errc::storage, fmt::format("series {}: sample {} is missing from the store", series, pending.next_seq()));
      pending.add(rows->t[i], rows->v[i]);
      if (pending.full()) {
        auto go = pending.flush(visit);
        if (!go) return fail(go.error());
        if (!*go) return {};
      }
    }
  }
  auto go = pending.flush(visit);
  if (!go) return fail(go.error());
  return {};
}

Status local_samples(Connection& conn, const HotRows& hot, SeriesId series, std::int64_t from, std::int64_t to,
                     std::vector<double>& t, std::vector<double>& v) {
  std::vector<double> ct, cv;
  return for_each_chunk_row(conn, hot, series, from, to, [&](const ChunkRow& row) -> Result<bool> {
    ct.clear(), cv.clear();
    if (auto s = decode_chunk(row.data, ct, cv); !s) return fail(s.error());
    t.insert(t.end(), ct.begin(), ct.end());
    v.insert(v.end(), cv.begin(), cv.end());
    return true;
  });
}

Result<std::vector<ResultRow>> results_after(Connection& conn, RunId run, std::int64_t after, std::size_t limit) {
  auto st = conn.prepare(
      "SELECT result_id, name, lane, value, unit, lower_limit, upper_limit, pass, extra, t_s, qualifier, verdict "
      "FROM results WHERE run_id = ?1 AND result_id > ?2 ORDER BY result_id LIMIT ?3");
  if (!st) return fail(st.error());
  st->bind(1, run).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
  std::vector<ResultRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back({st->column_int(0), st->column_text(1), st->column_opt_int(2), st->column_double(3),
                   st->column_text(4), st->column_opt_double(5), st->column_opt_double(6), st->column_opt_int(7),
                   st->column_text(8), st->column_double(9), st->column_text(10), st->column_text(11)});
  }
}

Result<std::vector<EventRow>> events_after(Connection& conn, RunId run, std::int64_t after, std::size_t limit) {
  auto st = conn.prepare(
      "SELECT event_id, t_s, kind, source, message, data FROM events WHERE run_id = ?1 AND event_id > ?2 "
      "ORDER BY event_id LIMIT ?3");
  if (!st) return fail(st.error());
  st->bind(1, run).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
  std::vector<EventRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back({st->column_int(0), st->column_double(1), st->column_text(2), st->column_text(3),
                   st->column_text(4), st->column_text(5)});
  }
}

Result<SupersededCounts> superseded_counts(Connection& conn, RunId run) {
  auto st = conn.prepare(
      "SELECT (SELECT count(*) FROM superseded_samples WHERE series_id IN (SELECT series_id FROM series WHERE run_id = ?1)), "
      "(SELECT count(*) FROM superseded_results WHERE run_id = ?1)");
  if (!st) return fail(st.error());
  st->bind(1, run);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return SupersededCounts{};
  return SupersededCounts{st->column_int(0), st->column_int(1)};
}

Result<std::vector<CheckpointRow>> checkpoint_rows(Connection& conn, RunId run) {
  auto st = conn.prepare(
      "SELECT name, state, t_s, result_mark, series_marks FROM checkpoints WHERE run_id = ?1 ORDER BY name");
  if (!st) return fail(st.error());
  st->bind(1, run);
  std::vector<CheckpointRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back({st->column_text(0), st->column_text(1), st->column_text(4), st->column_double(2), st->column_int(3)});
  }
}

}  // namespace ledlab::db::lab
