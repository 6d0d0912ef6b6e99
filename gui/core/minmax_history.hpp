#pragma once
// A time series kept at bounded memory for plotting: min/max buckets in a pyramid.
//
// Level 0 holds up to `capacity` buckets of `fold` consecutive points each (fold starts at 1,
// so a short series is kept exactly). Level k+1 holds the min/max of pairs of complete level-k
// buckets. When level 0 is full, level 1 becomes level 0 and fold doubles: memory stays
// O(capacity) however long the run, and the extremes of every stretch are never lost (a
// one-sample spike in a weeks-long burn-in still shows). A plot asks for one min/max per pixel
// column; the query reads the level whose buckets are about one column wide, so its cost is
// O(columns + log n), not O(points).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ledlab::gui {

class MinMaxHistory {
 public:
  explicit MinMaxHistory(std::size_t capacity = std::size_t{1} << 16);  // a power of two, >= 4

  // Points arrive in time order (a point earlier than the last is taken at the last time).
  void append(double t, double value);

  std::size_t points() const { return points_; }
  std::size_t buckets() const { return levels_.empty() ? 0 : levels_[0].size(); }
  std::size_t points_per_bucket() const { return fold_; }
  std::size_t memory_bytes() const;
  bool empty() const { return points_ == 0; }
  double t_first() const { return t_first_; }
  double t_last() const { return t_last_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double last() const { return last_; }

  // One pixel column of a plot: the extremes of the points whose bucket centre falls in it.
  struct Column {
    double t = 0;      // time of the first bucket in the column
    double lo = 0, hi = 0;
    double first = 0, last = 0;  // first and last value, to join neighbouring columns
    bool filled = false;
  };
  // Fills `out` with `columns` columns evenly spanning [t_from, t_to].
  void decimate(double t_from, double t_to, int columns, std::vector<Column>& out) const;

  // The nearest stored point before t_from and after t_to, outside the columns of a
  // decimation: a plot zoomed in between two samples draws the line from one to the other
  // across the view instead of nothing. Exact points while a bucket holds one point; after
  // compaction the last point of the bucket before, the first of the bucket after.
  struct Point {
    double t = 0, value = 0;
  };
  std::optional<Point> last_before(double t_from) const;
  std::optional<Point> first_after(double t_to) const;

 private:
  struct Bucket {
    double t0, t1, lo, hi, first, last;
    std::uint32_t n;
  };
  static Bucket merge(const Bucket& a, const Bucket& b);
  void carry(std::size_t level);
  void compact();
  void visit(std::size_t level, std::size_t begin, std::size_t end, double t_from, double t_to, double dt,
             std::vector<Column>& out) const;

  std::size_t capacity_;
  std::size_t fold_ = 1;
  std::size_t points_ = 0;
  double t_first_ = 0, t_last_ = 0, min_ = 0, max_ = 0, last_ = 0;
  std::vector<std::vector<Bucket>> levels_;
};

}  // namespace ledlab::gui
