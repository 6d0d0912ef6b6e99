// Lane layouts of the report's and the dashboard's lane maps (src/viz/lane_layout.hpp).
#include "viz/lane_layout.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace ledlab;
using viz::LaneLayout;

TEST_CASE("lanes fill a given grid row by row, or a near-square one when it does not hold them") {
  const auto l = LaneLayout::grid(6, 2, 3);
  CHECK(l.rows() == 2);
  CHECK(l.cols() == 3);
  CHECK(l.cell(4)->row == 1);
  CHECK(l.cell(4)->col == 0);
  CHECK(l.lane_at(1, 2) == 6);
  const auto square = LaneLayout::grid(10, 2, 3);  // 2 x 3 cannot hold 10 lanes
  CHECK(square.cols() == 4);
  CHECK(square.rows() == 3);
  CHECK(square.lane_at(2, 2) == 0);  // past the last lane
  CHECK_FALSE(square.cell(11));
  CHECK(LaneLayout::grid(0).empty());
}

TEST_CASE("the DUT's lanes table places each lane where the DUT has it") {
  // A 2 x 2 array numbered column by column, rows and columns counted from 1.
  const std::vector<db::LaneRecord> table{{1, 1, 1, "A1"}, {2, 2, 1, "B1"}, {3, 1, 2, "A2"}, {4, 2, 2, "B2"}};
  const auto l = LaneLayout::from_table(table, 4);
  REQUIRE(l);
  CHECK(l->rows() == 2);
  CHECK(l->cols() == 2);
  CHECK(l->lane_at(0, 1) == 3);
  CHECK(l->lane_at(1, 0) == 2);
  CHECK(l->cell(4)->row == 1);
}

TEST_CASE("a lanes table that cannot place every lane is refused, so the caller uses a grid") {
  const std::vector<db::LaneRecord> no_position{{1, 0, 0, ""}, {2, std::nullopt, std::nullopt, ""}};
  CHECK_FALSE(LaneLayout::from_table(no_position, 2));
  const std::vector<db::LaneRecord> same_cell{{1, 0, 0, ""}, {2, 0, 0, ""}};
  CHECK_FALSE(LaneLayout::from_table(same_cell, 2));
  const std::vector<db::LaneRecord> missing{{1, 0, 0, ""}};
  CHECK_FALSE(LaneLayout::from_table(missing, 2));
  CHECK_FALSE(LaneLayout::from_table({}, 4));
}
