// Resumed runs (db/SCHEMA.md "checkpoints"): resuming sets aside locally every sample from its
// series' checkpoint mark on and every result after the result mark, and the redone step
// reuses those seq numbers and result ids. What the lab database already had of them is moved
// into ledlab.superseded_chunks / superseded_results (never deleted) before the redone data is
// shipped, all in one transaction.
#include "db/chunk_codec.hpp"
#include "db/lab/shipper_session.hpp"

#include <fmt/core.h>

#include <bit>
#include <cmath>
#include <map>

namespace ledlab::db::lab {
namespace {

bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) || (std::isnan(a) && std::isnan(b));
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Where the lab's copy of a series stops agreeing with the store: the first seq to set aside,
// and the chunk that straddles it (decoded), if one does.
struct Divergence {
  std::int64_t from = 0;
  std::optional<std::int64_t> straddle_first;
  std::vector<double> straddle_t, straddle_v;
};

}  // namespace

Status ShipSession::supersede(RunId run, const RunKey& key, const std::vector<SeriesRecord>& series,
                              const PgRunMarks& marks, const HotRows& hot) {
  Connection& conn = store_.connection();
  std::map<SeriesId, std::int64_t> local;
  for (const auto& s : series) local[s.id] = s.sample_count;
  auto tx = Transaction::begin(lab_);
  if (!tx) return fail(tx.error());
  std::vector<double> t, v;
  for (const auto& [id, m] : marks.chunks) {
    if (m.end == 0) continue;
    const std::int64_t count = local.contains(id) ? local[id] : 0;
    // Cheap test first: the lab's last sample is still the store's sample at that seq. A redone
    // step's sample is later than anything the killed process recorded (the resumed clock
    // starts after it), so its time exceeds the old t_max even when its value repeats.
    if (count >= m.end) {
      t.clear(), v.clear();
      if (auto s = local_samples(conn, hot, id, m.end - 1, m.end, t, v); !s) return s;
      if (t.size() == 1 && same(v[0], m.v_last) && t[0] <= m.t_max) continue;
    }
    Divergence d;
    std::int64_t before = m.end;
    for (;;) {
      auto chunk = lab_.query("SELECT first_seq, n, data FROM ledlab.station_chunk_before($1::date, $2::uuid, "
                              "$3::bigint, $4::bigint)",
                              {key.month, key.uuid, std::to_string(id), std::to_string(before)});
      if (!chunk) return fail(chunk.error());
      if (chunk->rows() == 0) {
        d.from = 0;
        break;
      }
      const std::int64_t first = chunk->int64(0, 0).value_or(0);
      const std::string data = chunk->bytea(0, 2);
      std::vector<double> pt, pv;
      if (auto s = decode_chunk(as_bytes(data), pt, pv); !s)
        return fail(Errc::storage, fmt::format("lab chunk of series {} at {}: {}", id, first, s.error().message));
      t.clear(), v.clear();
      if (auto s = local_samples(conn, hot, id, first, first + static_cast<std::int64_t>(pt.size()), t, v); !s) return s;
      std::size_t agree = 0;
      while (agree < pt.size() && agree < t.size() && same(pt[agree], t[agree]) && same(pv[agree], v[agree])) ++agree;
      if (agree == pt.size()) {
        d.from = first + static_cast<std::int64_t>(agree);
        break;
      }
      if (agree > 0) {
        d.from = first + static_cast<std::int64_t>(agree);
        d.straddle_first = first;
        d.straddle_t = std::move(pt);
        d.straddle_v = std::move(pv);
        break;
      }
      before = first;
    }
    // Whole chunks from the divergence on move as they are; a straddling one is split.
    const std::string series_text = std::to_string(id);
    const std::string from_text = std::to_string(d.straddle_first ? *d.straddle_first + 1 : d.from);
    auto moved = lab_.query("SELECT ledlab.station_supersede_chunks($1::date, $2::uuid, $3::bigint, $4::bigint)",
                            {key.month, key.uuid, series_text, from_text});
    if (!moved) return fail(moved.error());
    if (d.straddle_first) {
      const std::int64_t first = *d.straddle_first;
      const auto keep = static_cast<std::size_t>(d.from - first);
      // The chunks after it are gone already: this deletes the straddling one only.
      auto gone = lab_.query(
          "SELECT ledlab.station_delete_chunks($1::date, $2::uuid, ARRAY[$3::bigint], ARRAY[$4::bigint])",
          {key.month, key.uuid, series_text, std::to_string(first)});
      if (!gone) return fail(gone.error());
      const std::span<const double> st(d.straddle_t), sv(d.straddle_v);
      if (auto s = copy_chunk(lab_, "chunks", key, id, make_chunk_row(first, st.first(keep), sv.first(keep))); !s)
        return s;
      if (auto s = copy_chunk(lab_, "superseded_chunks", key, id,
                              make_chunk_row(d.from, st.subspan(keep), sv.subspan(keep)));
          !s)
        return s;
    }
  }
  if (auto s = supersede_results(run, key); !s) return s;
  return tx->commit();
}

Status ShipSession::supersede_results(RunId run, const RunKey& key) {
  auto pg = lab_.query(
      "SELECT result_id, name, value, t_s FROM ledlab.results WHERE run_month = $1::date AND run_uuid = $2::uuid "
      "AND result_id > coalesce((SELECT min(result_mark) FROM ledlab.checkpoints WHERE run_uuid = $2::uuid), 0) "
      "ORDER BY result_id",
      {key.month, key.uuid});
  if (!pg) return fail(pg.error());
  if (pg->rows() == 0) return {};
  const std::int64_t after = pg->int64(0, 0).value_or(1) - 1;
  auto local = results_after(store_.connection(), run, after, std::numeric_limits<std::int32_t>::max());
  if (!local) return fail(local.error());
  std::map<std::int64_t, const ResultRow*> by_id;
  for (const auto& r : *local) by_id[r.id] = &r;
  std::string ids = "{";
  for (int r = 0; r < pg->rows(); ++r) {
    const std::int64_t id = pg->int64(r, 0).value_or(0);
    const auto it = by_id.find(id);
    const bool kept = it != by_id.end() && it->second->name == pg->text(r, 1) &&
                      same(it->second->value, pg->float8(r, 2).value_or(0)) &&
                      same(it->second->t_s, pg->float8(r, 3).value_or(0));
    if (!kept) ids += fmt::format("{}{}", ids.size() > 1 ? "," : "", id);
  }
  if (ids.size() == 1) return {};
  auto moved = lab_.query(
      fmt::format("WITH gone AS (DELETE FROM ledlab.results WHERE run_month = $1::date AND run_uuid = $2::uuid "
                  "AND result_id = ANY($3::bigint[]) RETURNING {0}) "
                  "INSERT INTO ledlab.superseded_results({0}) SELECT {0} FROM gone",
                  kResultColumns),
      {key.month, key.uuid, ids + "}"});
  if (!moved) return fail(moved.error());
  return {};
}

}  // namespace ledlab::db::lab
