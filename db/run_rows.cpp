#include "db/run_rows.hpp"

#include <sqlite3.h>

namespace ledlab::db {
namespace {

// Steps `st` to its end, decoding and visiting one row at a time.
template <class Decode, class Visit>
Status stream(Result<Statement> st, RunId run, Decode decode, const Visit& visit, std::int64_t after = 0) {
  if (!st) return fail(st.error());
  st->bind(1, run);
  if (sqlite3_bind_parameter_count(st->handle()) >= 2) st->bind(2, after);
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return {};
    visit(decode(*st));
  }
}

ResultRecord result_from_row(const Statement& s) {
  ResultRecord r;
  r.id = s.column_int(0);
  r.name = s.column_text(1);
  if (auto lane = s.column_opt_int(2)) r.lane = static_cast<int>(*lane);
  r.value = s.column_double(3);
  r.unit = s.column_text(4);
  r.lower_limit = s.column_opt_double(5);
  r.upper_limit = s.column_opt_double(6);
  r.extra_json = s.column_text(8);
  r.t_s = s.column_double(9);
  // The schema's CHECK constraints admit only the names parse_* knows.
  r.qualifier = parse_qualifier(s.column_text(10)).value_or(Qualifier::exact);
  r.verdict = parse_verdict(s.column_text(11)).value_or(Verdict::not_judged);
  return r;
}

EventRecord event_from_row(const Statement& s) {
  return EventRecord{s.column_int(0), s.column_double(1), parse_event_kind(s.column_text(2)).value_or(EventKind::info),
                     s.column_text(3), s.column_text(4), s.column_text(5)};
}

CheckpointRecord checkpoint_from_row(const Statement& s) {
  return CheckpointRecord{s.column_text(0), s.column_text(1), s.column_double(2), s.column_int(3), s.column_int(4)};
}

}  // namespace

Status for_each_result(Reader& reader, RunId run, const std::function<void(const ResultRecord&)>& visit) {
  return stream(reader.connection().prepare(
                    "SELECT result_id, name, lane, value, unit, lower_limit, upper_limit, pass, extra, t_s, qualifier, verdict "
                    "FROM results "
                    "WHERE run_id = ?1 ORDER BY result_id"),
                run, result_from_row, visit);
}

Status for_each_event(Reader& reader, RunId run, const std::function<void(const EventRecord&)>& visit,
                      std::int64_t after_event_id) {
  return stream(reader.connection().prepare("SELECT event_id, t_s, kind, source, message, data FROM events "
                                            "WHERE run_id = ?1 AND event_id > ?2 ORDER BY event_id"),
                run, event_from_row, visit, after_event_id);
}

Status for_each_checkpoint(Reader& reader, RunId run, const std::function<void(const CheckpointRecord&)>& visit) {
  return stream(reader.connection().prepare(
                    "SELECT name, state, t_s, sample_mark, result_mark FROM checkpoints WHERE run_id = ?1 ORDER BY name"),
                run, checkpoint_from_row, visit);
}

}  // namespace ledlab::db
