#include "gui/core/minmax_history.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <iterator>
#include <stdexcept>

namespace ledlab::gui {

MinMaxHistory::MinMaxHistory(std::size_t capacity) : capacity_(capacity) {
  if (capacity < 4 || !std::has_single_bit(capacity))
    throw std::invalid_argument("MinMaxHistory: capacity must be a power of two of at least 4");
}

std::size_t MinMaxHistory::memory_bytes() const {
  std::size_t bytes = sizeof(*this);
  for (const auto& level : levels_) bytes += level.capacity() * sizeof(Bucket);
  return bytes + levels_.capacity() * sizeof(levels_[0]);
}

MinMaxHistory::Bucket MinMaxHistory::merge(const Bucket& a, const Bucket& b) {
  return {a.t0, b.t1, std::min(a.lo, b.lo), std::max(a.hi, b.hi), a.first, b.last, a.n + b.n};
}

void MinMaxHistory::append(double t, double value) {
  if (points_ == 0) {
    t_first_ = t;
    min_ = max_ = value;
    levels_.emplace_back();
  }
  if (points_ > 0 && t < t_last_) t = t_last_;
  t_last_ = t;
  last_ = value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  ++points_;

  auto& level0 = levels_[0];
  if (!level0.empty() && level0.back().n < fold_) {
    auto& b = level0.back();
    b.t1 = t;
    b.lo = std::min(b.lo, value);
    b.hi = std::max(b.hi, value);
    b.last = value;
    ++b.n;
  } else {
    if (level0.size() == capacity_) compact();
    levels_[0].push_back({t, t, value, value, value, value, 1});
  }
  if (levels_[0].back().n == fold_) carry(0);
}

// A level-k bucket just became complete: pair it with its left neighbour one level up.
void MinMaxHistory::carry(std::size_t level) {
  while (levels_[level].size() % 2 == 0) {
    if (levels_.size() == level + 1) levels_.emplace_back();
    const auto& l = levels_[level];
    levels_[level + 1].push_back(merge(l[l.size() - 2], l[l.size() - 1]));
    ++level;
  }
}

// Level 0 is full (every bucket complete): level 1 takes its place with twice the fold.
void MinMaxHistory::compact() {
  levels_.erase(levels_.begin());
  fold_ *= 2;
}

void MinMaxHistory::visit(std::size_t level, std::size_t begin, std::size_t end, double t_from, double t_to,
                          double dt, std::vector<Column>& out) const {
  const auto& l = levels_[level];
  auto it = std::partition_point(l.begin() + static_cast<std::ptrdiff_t>(begin), l.begin() + static_cast<std::ptrdiff_t>(end),
                                 [&](const Bucket& b) { return b.t1 < t_from; });
  const int columns = static_cast<int>(out.size());
  for (; it != l.begin() + static_cast<std::ptrdiff_t>(end) && it->t0 <= t_to; ++it) {
    const double mid = 0.5 * (it->t0 + it->t1);
    const int c = std::clamp(static_cast<int>(std::floor((mid - t_from) / dt)), 0, columns - 1);
    auto& col = out[static_cast<std::size_t>(c)];
    if (!col.filled) {
      col = {mid, it->lo, it->hi, it->first, it->last, true};
    } else {
      col.lo = std::min(col.lo, it->lo);
      col.hi = std::max(col.hi, it->hi);
      col.last = it->last;
    }
  }
}

// Level 0 covers every point (compaction replaces it by a level built from all of it).
std::optional<MinMaxHistory::Point> MinMaxHistory::last_before(double t_from) const {
  if (levels_.empty()) return std::nullopt;
  const auto& l = levels_[0];
  const auto it = std::partition_point(l.begin(), l.end(), [&](const Bucket& b) { return b.t1 < t_from; });
  if (it == l.begin()) return std::nullopt;
  return Point{std::prev(it)->t1, std::prev(it)->last};
}

std::optional<MinMaxHistory::Point> MinMaxHistory::first_after(double t_to) const {
  if (levels_.empty()) return std::nullopt;
  const auto& l = levels_[0];
  const auto it = std::partition_point(l.begin(), l.end(), [&](const Bucket& b) { return b.t0 <= t_to; });
  if (it == l.end()) return std::nullopt;
  return Point{it->t0, it->first};
}

void MinMaxHistory::decimate(double t_from, double t_to, int columns, std::vector<Column>& out) const {
  out.assign(static_cast<std::size_t>(std::max(columns, 0)), Column{});
  if (columns <= 0 || points_ == 0 || !(t_to > t_from)) return;
  const double dt = (t_to - t_from) / columns;
  // The level whose buckets are about half a column wide, judged from the mean bucket span.
  const double span = std::max(t_last_ - t_first_, 1e-300);
  const double in_view0 = static_cast<double>(levels_[0].size()) * std::min(1.0, (t_to - t_from) / span);
  std::size_t level = 0;
  while (level + 1 < levels_.size() && !levels_[level + 1].empty() && in_view0 / std::ldexp(1.0, static_cast<int>(level) + 1) >= 2.0 * columns)
    ++level;
  visit(level, 0, levels_[level].size(), t_from, t_to, dt, out);
  // Buckets past the last complete pair of `level` are only in the levels below it.
  std::size_t covered = levels_[level].size() << level;  // in level-0 buckets
  for (std::size_t k = level; k-- > 0;) {
    const std::size_t begin = covered >> k;
    if (begin < levels_[k].size()) visit(k, begin, levels_[k].size(), t_from, t_to, dt, out);
    covered = std::max(covered, levels_[k].size() << k);
  }
}

}  // namespace ledlab::gui
