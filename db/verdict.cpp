#include "db/verdict.hpp"

#include "core/time_format.hpp"
#include "db/run_rows.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

namespace ledlab::db {
namespace {

std::string counts_text(const VerdictCounts& c) {
  return fmt::format("{} pass, {} fail, {} dead, {} not judged", grouped(c.pass), grouped(c.fail), grouped(c.dead),
                     grouped(c.not_judged));
}

// "array_pass: 4 pass, 2 fail; decay_rate_pct_per_kh: 1 pass": the array verdict results.
std::string array_text(const std::vector<std::pair<std::string, VerdictCounts>>& by_name) {
  constexpr std::size_t kShown = 6;  // one line: the rest are counted, not named
  std::string text;
  for (std::size_t i = 0; i < by_name.size() && i < kShown; ++i) {
    const auto& [name, c] = by_name[i];
    if (!text.empty()) text += "; ";
    text += fmt::format("{}: {} pass", name, grouped(c.pass));
    if (c.fail > 0) text += fmt::format(", {} fail", grouped(c.fail));
  }
  if (by_name.size() > kShown) text += fmt::format("; {} more names", by_name.size() - kShown);
  return text;
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

void VerdictCounts::add(Verdict v) {
  switch (v) {
    case Verdict::pass: ++pass; break;
    case Verdict::fail: ++fail; break;
    case Verdict::dead: ++dead; break;
    case Verdict::not_judged: ++not_judged; break;
  }
}

void VerdictTally::add(const ResultRecord& result) {
  const Verdict v = verdict_of(result);
  counts_.all.add(v);
  (result.lane ? counts_.lanes : counts_.array).add(v);
  if (result.lane || (v != Verdict::pass && v != Verdict::fail)) return;
  auto& by_name = counts_.array_by_name;
  auto it = std::ranges::find(by_name, result.name, &std::pair<std::string, VerdictCounts>::first);
  if (it == by_name.end()) it = by_name.insert(by_name.end(), {result.name, {}});
  it->second.add(v);
}

RunVerdict VerdictTally::verdict(const RunRecord& run) const {
  RunVerdict v = counts_;
  v.status = run.status;
  v.started_s = run.started_s;
  v.ended_s = run.ended_s;
  v.from_array = v.array.judged() > 0;
  const VerdictCounts& basis = v.from_array ? v.array : v.all;
  if (run.status != RunStatus::finished) v.outcome = RunOutcome::not_finished;
  else if (basis.judged() == 0) v.outcome = RunOutcome::not_judged;
  else v.outcome = basis.fail > 0 ? RunOutcome::fail : RunOutcome::pass;
  return v;
}

std::string RunVerdict::word() const {
  switch (outcome) {
    case RunOutcome::pass: return "PASS";
    case RunOutcome::fail: return "FAIL";
    case RunOutcome::not_judged: return "NOT JUDGED";
    case RunOutcome::not_finished: break;
  }
  return upper(to_string(status));
}

std::string RunVerdict::label() const {
  if (outcome != RunOutcome::not_finished || !ended_s) return word();
  return fmt::format("{} (at {}, {:.1f} h after the start)", word(), iso_utc(*ended_s), (*ended_s - started_s) / 3600.0);
}

std::string RunVerdict::basis() const {
  if (outcome == RunOutcome::not_finished)
    return fmt::format("no verdict; {} results {} ({})", grouped(all.total()),
                       status == RunStatus::running ? "so far" : "recorded", counts_text(all));
  if (outcome == RunOutcome::not_judged)
    return fmt::format("no result has a limit ({} results: {})", grouped(all.total()), counts_text(all));
  if (from_array) {
    const std::string how = array.fail > 0 ? fmt::format("{} of {} array verdict results failed", grouped(array.fail),
                                                         grouped(array.judged()))
                                           : array.judged() == 1 ? std::string("the one array verdict result passed")
                                                                 : fmt::format("all {} array verdict results passed", grouped(array.judged()));
    return fmt::format("{} ({}); lane results, not part of the verdict: {}", how, array_text(array_by_name),
                       counts_text(lanes));
  }
  const std::string how = all.fail > 0 ? fmt::format("{} of {} judged results failed", grouped(all.fail), grouped(all.judged()))
                                       : fmt::format("none of {} judged results failed", grouped(all.judged()));
  return fmt::format("{} ({} pass, {} dead, {} not judged); no array verdict results", how, grouped(all.pass),
                     grouped(all.dead), grouped(all.not_judged));
}

std::string RunVerdict::headline() const { return fmt::format("{}: {}", label(), basis()); }

Result<RunVerdict> judge_run(Reader& reader, const RunRecord& run) {
  VerdictTally tally;
  if (auto st = for_each_result(reader, run.id, [&](const ResultRecord& r) { tally.add(r); }); !st) return fail(st.error());
  return tally.verdict(run);
}

std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (auto at = static_cast<std::ptrdiff_t>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<std::size_t>(at), ",");
  return n < 0 ? "-" + digits : digits;
}

std::string qualified(Qualifier qualifier, const std::string& number) {
  return qualifier == Qualifier::exact ? number : fmt::format("{} {}", to_string(qualifier), number);
}

std::string_view relation(Qualifier qualifier) { return qualifier == Qualifier::exact ? "=" : to_string(qualifier); }

}  // namespace ledlab::db
