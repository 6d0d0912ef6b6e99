#pragma once
// Where each lane of an array sits on a lane map: the DUT's own layout from the store's lanes
// table (row and column per lane) when it gives one, else a row-major grid (lane i, 1-based,
// at row (i-1) / cols, column (i-1) % cols) of the given shape or as near square as fits.
// Shared by the report's SVG maps and the dashboard's lane map.
#include "db/records.hpp"

#include <optional>
#include <span>
#include <vector>

namespace ledlab::viz {

struct LaneCell {
  int row = 0, col = 0;  // 0-based
};

class LaneLayout {
 public:
  LaneLayout() = default;
  // `lanes` lanes, row-major on rows x cols when that holds them, else on the near-square grid
  // (ceil(sqrt(lanes)) columns). No lanes: an empty layout.
  static LaneLayout grid(int lanes, int rows = 0, int cols = 0);
  // From the DUT's lanes table: every lane at its stored row and column, rows and columns
  // counted from the smallest stored (the table may count from 0 or 1). A table that cannot
  // place all of lanes 1..`lanes` (a lane without row or column, two lanes in one cell, a lane
  // missing) gives nullopt: the caller falls back to grid().
  static std::optional<LaneLayout> from_table(std::span<const db::LaneRecord> table, int lanes);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int lanes() const { return static_cast<int>(cells_.size()); }
  bool empty() const { return cells_.empty(); }
  // The cell of lane `lane` (1-based); nullopt outside 1..lanes().
  std::optional<LaneCell> cell(int lane) const;
  // The lane in a cell, 0 for an empty cell or one outside the map.
  int lane_at(int row, int col) const;

 private:
  int rows_ = 0, cols_ = 0;
  std::vector<LaneCell> cells_;  // [lane - 1]
  std::vector<int> lane_at_;     // [row * cols + col], 0 = no lane
  void place(int lane, LaneCell c);
};

}  // namespace ledlab::viz
