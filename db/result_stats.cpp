#include "db/result_stats.hpp"

#include "db/verdict.hpp"

#include <algorithm>

namespace ledlab::db {
namespace {

double relative(double inside, double limit) { return limit != 0 ? inside / std::abs(limit) : inside; }

// Hyndman and Fan (1996) definition 7: linear between the order statistics at (n-1)p.
double quantile(const std::vector<double>& sorted, double p) {
  const double at = p * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(at));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (at - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

}  // namespace

std::optional<double> relative_margin(const ResultRecord& r) {
  std::optional<double> margin;
  if (r.upper_limit && std::isfinite(*r.upper_limit)) margin = relative(*r.upper_limit - r.value, *r.upper_limit);
  if (r.lower_limit && std::isfinite(*r.lower_limit)) {
    const double m = relative(r.value - *r.lower_limit, *r.lower_limit);
    margin = margin ? std::min(*margin, m) : m;
  }
  return margin;
}

void ResultStatsBuilder::add(const ResultRecord& r) {
  if (verdict_of(r) == Verdict::dead || !std::isfinite(r.value)) return;
  ResultStats& s = partial_;
  ++s.live;
  values_.push_back(r.value);
  // A bound sorts as its value; of equal values the bound is kept (it says more).
  if (std::isnan(s.lo) || r.value < s.lo || (r.value == s.lo && r.qualifier != Qualifier::exact)) s.lo = r.value, s.lo_q = r.qualifier;
  if (std::isnan(s.hi) || r.value > s.hi || (r.value == s.hi && r.qualifier != Qualifier::exact)) s.hi = r.value, s.hi_q = r.qualifier;
  if (const auto margin = relative_margin(r); margin && (!s.worst || *margin < worst_margin_)) {
    s.worst = ResultStats::Worst{r.value, r.qualifier, r.lane};
    worst_margin_ = *margin;
  }
}

ResultStats ResultStatsBuilder::finish() const {
  ResultStats s = partial_;
  if (values_.empty()) return s;
  std::vector<double> sorted = values_;
  std::ranges::sort(sorted);
  s.median = quantile(sorted, 0.5);
  s.q1 = quantile(sorted, 0.25);
  s.q3 = quantile(sorted, 0.75);
  return s;
}

}  // namespace ledlab::db
