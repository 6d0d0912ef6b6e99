#include "viz/lane_layout.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

namespace ledlab::viz {

void LaneLayout::place(int lane, LaneCell c) {
  cells_[static_cast<std::size_t>(lane - 1)] = c;
  lane_at_[static_cast<std::size_t>(c.row * cols_ + c.col)] = lane;
}

LaneLayout LaneLayout::grid(int lanes, int rows, int cols) {
  LaneLayout l;
  if (lanes <= 0) return l;
  if (!(rows > 0 && cols > 0 && static_cast<long long>(rows) * cols >= lanes)) {
    cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(lanes)))));
    rows = (lanes + cols - 1) / cols;
  }
  l.rows_ = rows, l.cols_ = cols;
  l.cells_.resize(static_cast<std::size_t>(lanes));
  l.lane_at_.assign(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols), 0);
  for (int lane = 1; lane <= lanes; ++lane) l.place(lane, {(lane - 1) / cols, (lane - 1) % cols});
  return l;
}

std::optional<LaneLayout> LaneLayout::from_table(std::span<const db::LaneRecord> table, int lanes) {
  if (lanes <= 0) return std::nullopt;
  int row0 = INT_MAX, col0 = INT_MAX, row1 = INT_MIN, col1 = INT_MIN;
  std::vector<const db::LaneRecord*> by_lane(static_cast<std::size_t>(lanes), nullptr);
  for (const auto& l : table) {
    if (l.lane < 1 || l.lane > lanes) continue;  // spares and lanes the run did not use
    if (!l.row || !l.col) return std::nullopt;
    by_lane[static_cast<std::size_t>(l.lane - 1)] = &l;
    row0 = std::min(row0, *l.row), row1 = std::max(row1, *l.row);
    col0 = std::min(col0, *l.col), col1 = std::max(col1, *l.col);
  }
  if (std::ranges::find(by_lane, nullptr) != by_lane.end()) return std::nullopt;
  const long long cells = (static_cast<long long>(row1) - row0 + 1) * (static_cast<long long>(col1) - col0 + 1);
  if (cells > 4LL * lanes + 64) return std::nullopt;  // a sparse table: a grid reads better than a mostly empty map
  LaneLayout out;
  out.rows_ = row1 - row0 + 1, out.cols_ = col1 - col0 + 1;
  out.cells_.resize(static_cast<std::size_t>(lanes));
  out.lane_at_.assign(static_cast<std::size_t>(cells), 0);
  for (int lane = 1; lane <= lanes; ++lane) {
    const auto* l = by_lane[static_cast<std::size_t>(lane - 1)];
    const LaneCell c{*l->row - row0, *l->col - col0};
    if (out.lane_at(c.row, c.col) != 0) return std::nullopt;  // two lanes in one cell
    out.place(lane, c);
  }
  return out;
}

std::optional<LaneCell> LaneLayout::cell(int lane) const {
  if (lane < 1 || lane > lanes()) return std::nullopt;
  return cells_[static_cast<std::size_t>(lane - 1)];
}

int LaneLayout::lane_at(int row, int col) const {
  if (row < 0 || col < 0 || row >= rows_ || col >= cols_) return 0;
  return lane_at_[static_cast<std::size_t>(row * cols_ + col)];
}

}  // namespace ledlab::viz
