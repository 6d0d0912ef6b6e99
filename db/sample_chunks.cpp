#include "db/sample_chunks.hpp"

#include "core/log.hpp"
#include "db/chunk_codec.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cmath>
#include <limits>

namespace ledlab::db {
namespace {

constexpr std::string_view kLog = "db";

Status prepare(Connection& conn, Statement& out, std::string_view sql) {
  auto st = conn.prepare(sql);
  if (!st) return fail(st.error());
  out = std::move(*st);
  return {};
}

// The series list as JSON text, for `IN (SELECT value FROM json_each(?))`.
std::string id_list(std::span<const SeriesId> ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += fmt::format("{}{}", i ? "," : "", ids[i]);
  return out + "]";
}

// Sorted ids as maximal runs of consecutive values.
std::vector<std::pair<std::int64_t, std::int64_t>> ranges_of(std::vector<std::int64_t>& ids) {
  std::sort(ids.begin(), ids.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (std::int64_t id : ids) {
    if (!out.empty() && out.back().second + 1 == id) out.back().second = id;
    else out.emplace_back(id, id);
  }
  return out;
}

Status load_blob(Statement& select, std::int64_t chunk_id, std::vector<double>& t, std::vector<double>& v) {
  select.bind(1, chunk_id);
  auto row = select.step();
  if (!row) return fail(row.error());
  if (!*row) {
    select.reset();
    return fail(Errc::storage, fmt::format("chunk {} has no data", chunk_id));
  }
  Status decoded = decode_chunk(select.column_blob(0), t, v);
  select.reset();
  if (!decoded) return fail(Errc::storage, fmt::format("chunk {}: {}", chunk_id, decoded.error().message));
  return {};
}

}  // namespace

// ---- ChunkInserter ----

void chunk_rollup(std::span<const double> t, std::span<const double> v, std::vector<double>& out) {
  out.clear();
  if (t.size() <= kRollupSegment) return;
  for (std::size_t at = 0; at < t.size(); at += kRollupSegment) {
    const std::size_t end = std::min(t.size(), at + kRollupSegment);
    double mn = v[at], mx = v[at], sum = 0;
    for (std::size_t i = at; i < end; ++i) mn = std::min(mn, v[i]), mx = std::max(mx, v[i]), sum += v[i];
    for (double x : {t[at], t[end - 1], mn, mx, sum, v[at], v[end - 1]}) out.push_back(x);
  }
}

Result<ChunkInserter> ChunkInserter::create(Connection& conn) {
  ChunkInserter out;
  if (auto s = prepare(conn, out.meta_,
                       "INSERT INTO chunks(series_id, first_seq, n, t_min, t_max, v_min, v_max, v_sum, v_first, v_last, bytes) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?9)");
      !s)
    return fail(s.error());
  const std::pair<Statement*, std::string_view> statements[] = {
      {&out.data_, "INSERT INTO chunk_data(chunk_id, data) VALUES (?1, ?2)"},
      {&out.rollup_, "INSERT INTO chunk_rollups(chunk_id, data) VALUES (?1, ?2)"},
      {&out.drop_meta_, "DELETE FROM chunks WHERE chunk_id = ?1"},
      {&out.drop_data_, "DELETE FROM chunk_data WHERE chunk_id = ?1"},
      {&out.drop_rollup_, "DELETE FROM chunk_rollups WHERE chunk_id = ?1"},
  };
  for (const auto& [st, sql] : statements)
    if (auto s = prepare(conn, *st, sql); !s) return fail(s.error());
  return out;
}

Result<std::int64_t> ChunkInserter::insert(Connection& conn, SeriesId series, std::int64_t first_seq,
                                           std::span<const double> t, std::span<const double> v) {
  if (t.empty() || t.size() != v.size() || t.size() > kMaxChunkSamples)
    return fail(Errc::invalid_argument, fmt::format("chunk of series {}: {} times, {} values", series, t.size(), v.size()));
  double t_min = t[0], t_max = t[0];
  for (double x : t) t_min = std::min(t_min, x), t_max = std::max(t_max, x);
  // The value summary skips NaN (a chunk of NaN only has none): plots and totals read it.
  double v_min = std::numeric_limits<double>::infinity(), v_max = -v_min, v_sum = 0;
  std::size_t counted = 0;
  for (double x : v) {
    if (std::isnan(x)) continue;
    v_min = std::min(v_min, x), v_max = std::max(v_max, x), v_sum += x, ++counted;
  }
  blob_.clear();
  encode_chunk(t, v, blob_);
  meta_.bind(1, series).bind(2, first_seq).bind(3, static_cast<std::int64_t>(t.size())).bind(4, t_min).bind(5, t_max);
  if (counted > 0) meta_.bind(6, v_min).bind(7, v_max).bind(8, v_sum);
  else meta_.bind_null(6).bind_null(7).bind_null(8);
  meta_.bind(9, static_cast<std::int64_t>(blob_.size())).bind(10, v.front()).bind(11, v.back());
  if (auto s = meta_.run(); !s) return fail(s.error());
  const std::int64_t id = conn.last_insert_rowid();
  data_.bind(1, id).bind_blob(2, blob_);
  if (auto s = data_.run(); !s) return fail(s.error());
  // A chunk of one segment or less is its own summary (the metadata row): no rollup row. A run
  // of thousands of short series (a BER sweep) then compacts with two inserts per series.
  if (t.size() <= kRollupSegment) return id;
  chunk_rollup(t, v, rollup_values_);
  static_assert(std::endian::native == std::endian::little, "chunk_rollups hold little-endian doubles");
  const auto bytes = std::as_bytes(std::span(rollup_values_));
  rollup_.bind(1, id).bind_blob(2, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  if (auto s = rollup_.run(); !s) return fail(s.error());
  return id;
}

Status ChunkInserter::remove(std::int64_t chunk_id) {
  for (Statement* st : {&drop_meta_, &drop_data_, &drop_rollup_}) {
    st->bind(1, chunk_id);
    if (auto s = st->run(); !s) return s;
  }
  return {};
}

// ---- SampleChunks ----

Result<SampleChunks> SampleChunks::create(Connection& conn, ChunkPolicy policy) {
  if (policy.chunk_samples == 0 || policy.chunk_samples > kMaxChunkSamples || policy.merge_count < 2 ||
      policy.hot_limit == 0)
    return fail(Errc::invalid_argument, "chunk policy out of range");
  SampleChunks out;
  out.policy_ = policy;
  auto inserter = ChunkInserter::create(conn);
  if (!inserter) return fail(inserter.error());
  out.inserter_ = std::move(*inserter);
  std::string many = "INSERT INTO hot_samples(series_id, seq, t_s, value) VALUES (?,?,?,?)";
  for (int i = 1; i < kHotRowsPerInsert; ++i) many += ",(?,?,?,?)";
  const std::pair<Statement*, std::string_view> statements[] = {
      {&out.insert_hot_one_, "INSERT INTO hot_samples(series_id, seq, t_s, value) VALUES (?1, ?2, ?3, ?4)"},
      {&out.insert_hot_many_, many},
      {&out.delete_hot_range_, "DELETE FROM hot_samples WHERE hot_id BETWEEN ?1 AND ?2"},
      {&out.select_data_, "SELECT data FROM chunk_data WHERE chunk_id = ?1"},
  };
  for (const auto& [st, sql] : statements)
    if (auto s = prepare(conn, *st, sql); !s) return fail(s.error());
  return out;
}

void SampleChunks::add_new(SeriesId series) { state_.try_emplace(series); }

void SampleChunks::drop_hot(SeriesState& s) {
  hot_rows_ -= s.hot_t.size();
  s.hot_t.clear();
  s.hot_v.clear();
  s.hot_id.clear();
}

void SampleChunks::forget(std::span<const SeriesId> series) {
  for (SeriesId id : series) {
    std::erase(pending_merges_, id);
    auto it = state_.find(id);
    if (it == state_.end()) continue;
    drop_hot(it->second);
    state_.erase(it);
  }
}

Status SampleChunks::load(Connection& conn, std::span<const SeriesId> series) {
  for (SeriesId id : series) {
    SeriesState& s = state_[id];
    drop_hot(s);
    s = SeriesState{};
  }
  const std::string ids = id_list(series);
  auto chunks = conn.prepare(
      "SELECT series_id, chunk_id, first_seq, n FROM chunks "
      "WHERE series_id IN (SELECT value FROM json_each(?1)) ORDER BY series_id, first_seq");
  if (!chunks) return fail(chunks.error());
  chunks->bind(1, ids);
  for (;;) {
    auto row = chunks->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    SeriesState& s = state_[chunks->column_int(0)];
    const Partial p{chunks->column_int(1), chunks->column_int(2), chunks->column_int(3)};
    s.next_seq = std::max(s.next_seq, p.first_seq + p.n);
    if (static_cast<std::size_t>(p.n) >= policy_.chunk_samples) {
      s.partials.clear();
      s.partial_n = 0;
    } else {
      s.partials.push_back(p);
      s.partial_n += p.n;
    }
  }
  auto hot = conn.prepare(
      "SELECT hot_id, series_id, seq, t_s, value FROM hot_samples "
      "WHERE series_id IN (SELECT value FROM json_each(?1)) ORDER BY hot_id");
  if (!hot) return fail(hot.error());
  hot->bind(1, ids);
  for (;;) {
    auto row = hot->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    SeriesState& s = state_[hot->column_int(1)];
    const std::int64_t seq = hot->column_int(2);
    // Hot rows continue the chunks without a gap; anything else is a damaged file.
    if (seq != s.next_seq)
      return fail(Errc::storage, fmt::format("series {}: hot sample numbered {} where {} was expected",
                                             hot->column_int(1), seq, s.next_seq));
    s.hot_id.push_back(hot->column_int(0));
    s.hot_t.push_back(hot->column_double(3));
    s.hot_v.push_back(hot->column_double(4));
    s.next_seq = seq + 1;
    ++hot_rows_;
  }
  for (SeriesId id : series)
    if (merge_due(state_[id]) && std::find(pending_merges_.begin(), pending_merges_.end(), id) == pending_merges_.end())
      pending_merges_.push_back(id);
  return {};
}

Status SampleChunks::insert_hot(Connection& conn, SeriesId series, SeriesState& s, std::span<const double> t,
                                std::span<const double> v) {
  std::size_t j = 0;
  const auto note = [&](std::int64_t first_id, std::size_t from, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      s.hot_id.push_back(first_id + static_cast<std::int64_t>(i));
      s.hot_t.push_back(t[from + i]);
      s.hot_v.push_back(v[from + i]);
    }
    s.next_seq += static_cast<std::int64_t>(count);
    hot_rows_ += count;
  };
  for (; t.size() - j >= kHotRowsPerInsert; j += kHotRowsPerInsert) {
    for (int r = 0; r < kHotRowsPerInsert; ++r) {
      const std::size_t i = j + static_cast<std::size_t>(r);
      insert_hot_many_.bind(4 * r + 1, series).bind(4 * r + 2, s.next_seq + r).bind(4 * r + 3, t[i]).bind(4 * r + 4, v[i]);
    }
    auto st = insert_hot_many_.step();
    insert_hot_many_.rewind();
    if (!st) return fail(st.error());
    // The rows of one multi-row INSERT into a rowid table get consecutive ids.
    note(conn.last_insert_rowid() - (kHotRowsPerInsert - 1), j, kHotRowsPerInsert);
  }
  for (; j < t.size(); ++j) {
    insert_hot_one_.bind(1, series).bind(2, s.next_seq).bind(3, t[j]).bind(4, v[j]);
    auto st = insert_hot_one_.step();
    insert_hot_one_.rewind();
    if (!st) return fail(st.error());
    note(conn.last_insert_rowid(), j, 1);
  }
  return {};
}

Status SampleChunks::emit(Connection& conn, SeriesId series, SeriesState& s, std::int64_t first_seq,
                          std::span<const double> t, std::span<const double> v) {
  const std::size_t full = policy_.chunk_samples;
  for (std::size_t at = 0; at < t.size();) {
    const std::size_t n = std::min(full, t.size() - at);
    auto id = inserter_.insert(conn, series, first_seq + static_cast<std::int64_t>(at), t.subspan(at, n), v.subspan(at, n));
    if (!id) return fail(id.error());
    if (n == full) {
      // Partial chunks before a full one stay as they are: only trailing ones are merged.
      s.partials.clear();
      s.partial_n = 0;
    } else {
      s.partials.push_back({*id, first_seq + static_cast<std::int64_t>(at), static_cast<std::int64_t>(n)});
      s.partial_n += static_cast<std::int64_t>(n);
    }
    at += n;
  }
  if (merge_due(s) && std::find(pending_merges_.begin(), pending_merges_.end(), series) == pending_merges_.end())
    pending_merges_.push_back(series);
  return {};
}

bool SampleChunks::merge_due(const SeriesState& s) const {
  return s.partials.size() >= policy_.merge_count || static_cast<std::size_t>(s.partial_n) >= policy_.chunk_samples;
}

Status SampleChunks::merge_partials(Connection& conn, SeriesId series, SeriesState& s) {
  scratch_t_.clear();
  scratch_v_.clear();
  for (const Partial& p : s.partials) {
    if (auto st = load_blob(select_data_, p.chunk_id, scratch_t_, scratch_v_); !st) return st;
    if (auto st = inserter_.remove(p.chunk_id); !st) return st;
  }
  if (policy_.probe) policy_.probe("merge");
  const std::int64_t first_seq = s.partials.front().first_seq;
  s.partials.clear();
  s.partial_n = 0;
  // emit() only queues merges, so writing the merged samples never merges again here.
  std::vector<double> t = std::move(scratch_t_), v = std::move(scratch_v_);
  Status out = emit(conn, series, s, first_seq, t, v);
  scratch_t_ = std::move(t);
  scratch_v_ = std::move(v);
  return out;
}

Status SampleChunks::delete_hot(std::vector<std::int64_t>& ids) {
  for (const auto& [from, to] : ranges_of(ids)) {
    delete_hot_range_.bind(1, from).bind(2, to);
    if (auto st = delete_hot_range_.run(); !st) return st;
  }
  return {};
}

Status SampleChunks::append(Connection& conn, SeriesId series, std::span<const double> t, std::span<const double> v) {
  auto it = state_.find(series);
  if (it == state_.end()) return fail(Errc::invalid_argument, fmt::format("series {} is not written here", series));
  SeriesState& s = it->second;
  if (t.size() < policy_.direct_min && s.hot_t.size() + t.size() < policy_.chunk_samples)
    return insert_hot(conn, series, s, t, v);
  // A big batch (a bulk import, a fast sweep) skips the hot rows: what is hot, then the batch,
  // become chunks at once.
  std::vector<std::int64_t> ids = std::move(s.hot_id);
  const std::int64_t first_seq = s.next_seq - static_cast<std::int64_t>(s.hot_t.size());
  s.hot_t.insert(s.hot_t.end(), t.begin(), t.end());
  s.hot_v.insert(s.hot_v.end(), v.begin(), v.end());
  std::vector<double> all_t = std::move(s.hot_t), all_v = std::move(s.hot_v);
  hot_rows_ -= ids.size();
  s.hot_t.clear(), s.hot_v.clear(), s.hot_id.clear();
  s.next_seq += static_cast<std::int64_t>(t.size());
  if (auto st = delete_hot(ids); !st) return st;
  return emit(conn, series, s, first_seq, all_t, all_v);
}

Status SampleChunks::compact(Connection& conn, std::span<const SeriesId> series) {
  std::vector<std::int64_t> ids;
  for (SeriesId id : series) {
    auto it = state_.find(id);
    if (it == state_.end() || it->second.hot_t.empty()) continue;
    SeriesState& s = it->second;
    const std::int64_t first_seq = s.next_seq - static_cast<std::int64_t>(s.hot_t.size());
    ids.insert(ids.end(), s.hot_id.begin(), s.hot_id.end());
    std::vector<double> t = std::move(s.hot_t), v = std::move(s.hot_v);
    hot_rows_ -= s.hot_id.size();
    s.hot_t.clear(), s.hot_v.clear(), s.hot_id.clear();
    if (auto st = emit(conn, id, s, first_seq, t, v); !st) return st;
    if (policy_.probe) policy_.probe("compact");
  }
  return delete_hot(ids);
}

Status SampleChunks::after_batch(Connection& conn) {
  if (hot_rows_ >= policy_.hot_limit) {
    std::vector<SeriesId> all;
    all.reserve(state_.size());
    for (const auto& [id, s] : state_)
      if (!s.hot_t.empty()) all.push_back(id);
    std::sort(all.begin(), all.end());  // chunks of a compaction in series order
    if (auto st = compact(conn, all); !st) return st;
  }
  std::size_t done = 0;
  while (!pending_merges_.empty() && done < policy_.merges_per_batch) {
    const SeriesId series = pending_merges_.front();
    pending_merges_.erase(pending_merges_.begin());
    auto it = state_.find(series);
    if (it == state_.end() || !merge_due(it->second)) continue;
    if (auto st = merge_partials(conn, series, it->second); !st) return st;
    ++done;
  }
  return {};
}

std::vector<SeriesMark> SampleChunks::marks(std::span<const SeriesId> series) const {
  std::vector<SeriesMark> out;
  out.reserve(series.size());
  for (SeriesId id : series) {
    auto it = state_.find(id);
    out.emplace_back(id, it == state_.end() ? 0 : it->second.next_seq);
  }
  return out;
}

// ---- marks ----

std::string marks_json(std::span<const SeriesMark> marks) {
  std::string out = "[";
  for (std::size_t i = 0; i < marks.size(); ++i) out += fmt::format("{}[{},{}]", i ? "," : "", marks[i].first, marks[i].second);
  return out + "]";
}

Result<std::vector<SeriesMark>> parse_marks(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return fail(Errc::storage, "checkpoint series marks are not a JSON list");
  std::vector<SeriesMark> out;
  out.reserve(j.size());
  for (const auto& m : j) {
    if (!m.is_array() || m.size() != 2 || !m[0].is_number_integer() || !m[1].is_number_integer() || m[1].get<std::int64_t>() < 0)
      return fail(Errc::storage, "checkpoint series marks: an entry is not [series_id, count]");
    out.emplace_back(m[0].get<std::int64_t>(), m[1].get<std::int64_t>());
  }
  return out;
}

// ---- rewind ----

Result<std::int64_t> supersede_after_marks(Connection& conn, RunId run, std::span<const SeriesMark> marks, double now_s) {
  if (auto s = conn.exec("CREATE TEMP TABLE IF NOT EXISTS rewind_marks(series_id INTEGER PRIMARY KEY, mark INTEGER NOT NULL);"
                         "DELETE FROM temp.rewind_marks;");
      !s)
    return fail(s.error());
  auto all = conn.prepare("INSERT INTO temp.rewind_marks(series_id, mark) SELECT series_id, 0 FROM series WHERE run_id = ?1");
  if (!all) return fail(all.error());
  all->bind(1, run);
  if (auto s = all->run(); !s) return fail(s.error());
  auto set = conn.prepare("UPDATE temp.rewind_marks SET mark = ?2 WHERE series_id = ?1");
  if (!set) return fail(set.error());
  for (const auto& [series, mark] : marks) {
    set->bind(1, series).bind(2, mark);
    if (auto s = set->run(); !s) return fail(s.error());
  }
  std::int64_t moved = 0;
  // The hot rows past the marks, oldest first. The copies take ids of their own (see
  // WriterSession::rewind_to_checkpoint).
  if (auto s = conn.exec(fmt::format(
          "INSERT INTO superseded_samples(series_id, t_s, value, superseded_s) "
          "SELECT h.series_id, h.t_s, h.value, {:.17g} FROM hot_samples h JOIN temp.rewind_marks k USING(series_id) "
          "WHERE h.seq >= k.mark ORDER BY h.hot_id",
          now_s));
      !s)
    return fail(s.error());
  moved += conn.changes();
  if (auto s = conn.exec("DELETE FROM hot_samples WHERE hot_id IN (SELECT h.hot_id FROM hot_samples h "
                         "JOIN temp.rewind_marks k USING(series_id) WHERE h.seq >= k.mark)");
      !s)
    return fail(s.error());
  // Chunks reaching past their series' mark: what is before the mark is written again as a
  // chunk of its own, the rest set aside.
  auto past = conn.prepare(
      "SELECT c.chunk_id, c.series_id, c.first_seq, k.mark FROM chunks c JOIN temp.rewind_marks k USING(series_id) "
      "WHERE c.first_seq + c.n > k.mark ORDER BY c.series_id, c.first_seq");
  if (!past) return fail(past.error());
  struct Cut { std::int64_t chunk_id; SeriesId series; std::int64_t first_seq, mark; };
  std::vector<Cut> cuts;
  for (;;) {
    auto row = past->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    cuts.push_back({past->column_int(0), past->column_int(1), past->column_int(2), past->column_int(3)});
  }
  if (cuts.empty()) return moved;
  Statement select, aside;
  const std::pair<Statement*, std::string_view> statements[] = {
      {&select, "SELECT data FROM chunk_data WHERE chunk_id = ?1"},
      {&aside, "INSERT INTO superseded_samples(series_id, t_s, value, superseded_s) VALUES (?1, ?2, ?3, ?4)"},
  };
  for (const auto& [st, sql] : statements)
    if (auto s = prepare(conn, *st, sql); !s) return fail(s.error());
  auto inserter = ChunkInserter::create(conn);
  if (!inserter) return fail(inserter.error());
  std::vector<double> t, v;
  for (const Cut& c : cuts) {
    t.clear(), v.clear();
    if (auto s = load_blob(select, c.chunk_id, t, v); !s) return fail(s.error());
    if (auto s = inserter->remove(c.chunk_id); !s) return fail(s.error());
    const auto keep = static_cast<std::size_t>(std::clamp<std::int64_t>(c.mark - c.first_seq, 0, static_cast<std::int64_t>(t.size())));
    if (keep > 0) {
      auto id = inserter->insert(conn, c.series, c.first_seq, std::span(t).first(keep), std::span(v).first(keep));
      if (!id) return fail(id.error());
    }
    for (std::size_t i = keep; i < t.size(); ++i) {
      aside.bind(1, c.series).bind(2, t[i]).bind(3, v[i]).bind(4, now_s);
      if (auto s = aside.run(); !s) return fail(s.error());
      ++moved;
    }
  }
  return moved;
}

// ---- migration from v3 ----

Status convert_v3_samples(Connection& conn, const ChunkPolicy& policy) {
  auto inserter = ChunkInserter::create(conn);
  if (!inserter) return fail(inserter.error());
  // Every series' samples in recorded order: blocks in block_id order, rows in sample_id order.
  auto rows = conn.prepare(
      "SELECT b.series_id, s.t_s, s.value FROM sample_blocks b "
      "JOIN samples s ON s.sample_id BETWEEN b.first_sample AND b.last_sample AND s.series_id = b.series_id "
      "ORDER BY b.series_id, b.block_id, s.sample_id");
  if (!rows) return fail(rows.error());
  std::vector<double> t, v;
  SeriesId current = 0;
  std::int64_t seq = 0, converted = 0;
  const auto flush = [&]() -> Status {
    if (t.empty()) return {};
    auto id = inserter->insert(conn, current, seq, t, v);
    if (!id) return fail(id.error());
    seq += static_cast<std::int64_t>(t.size());
    converted += static_cast<std::int64_t>(t.size());
    t.clear(), v.clear();
    return {};
  };
  for (;;) {
    auto row = rows->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const SeriesId series = rows->column_int(0);
    if (series != current) {
      if (auto s = flush(); !s) return s;
      current = series, seq = 0;
    }
    t.push_back(rows->column_double(1));
    v.push_back(rows->column_double(2));
    if (t.size() == policy.chunk_samples)
      if (auto s = flush(); !s) return s;
  }
  if (auto s = flush(); !s) return s;
  // A v3 checkpoint marked the highest sample_id committed when it was taken; per series that
  // is the samples of its blocks ending at or below the mark (a block never straddles one).
  auto cps = conn.prepare("SELECT run_id, name, sample_mark FROM checkpoints");
  if (!cps) return fail(cps.error());
  struct Cp { RunId run; std::string name; std::int64_t mark; };
  std::vector<Cp> list;
  for (;;) {
    auto row = cps->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    list.push_back({cps->column_int(0), cps->column_text(1), cps->column_int(2)});
  }
  auto counts = conn.prepare(
      "SELECT b.series_id, sum(b.n) FROM sample_blocks b JOIN series s USING(series_id) "
      "WHERE s.run_id = ?1 AND b.last_sample <= ?2 GROUP BY b.series_id ORDER BY b.series_id");
  auto update = conn.prepare("UPDATE checkpoints SET series_marks = ?3 WHERE run_id = ?1 AND name = ?2");
  if (!counts) return fail(counts.error());
  if (!update) return fail(update.error());
  for (const Cp& cp : list) {
    counts->bind(1, cp.run).bind(2, cp.mark);
    std::vector<SeriesMark> marks;
    for (;;) {
      auto row = counts->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      marks.emplace_back(counts->column_int(0), counts->column_int(1));
    }
    counts->reset();
    update->bind(1, cp.run).bind(2, cp.name).bind(3, marks_json(marks));
    if (auto s = update->run(); !s) return s;
  }
  if (converted > 0) log::info(kLog, "schema 4: {} samples moved into compressed chunks", converted);
  return {};
}

}  // namespace ledlab::db
