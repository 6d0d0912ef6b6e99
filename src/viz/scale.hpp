#pragma once
// A value range mapped to a pixel range, linearly or logarithmically (the report's SVG axes
// and colour bars), with ticks from viz/ticks.hpp.
#include "core/error.hpp"
#include "viz/ticks.hpp"

#include <cstddef>
#include <utility>
#include <vector>

namespace ledlab::viz {

enum class ScaleKind { linear, log };

// Widens [lo, hi] to whole steps (linear) or whole decades (log). A zero-width range is
// widened around its value; a log range must be positive.
Result<std::pair<double, double>> nice_range(ScaleKind kind, double lo, double hi, std::size_t target = 5);

class Scale {
 public:
  // Maps [lo, hi] onto [px_lo, px_hi] (px_hi < px_lo for a y axis). Fails on an empty or
  // non-finite range, or a log range that is not positive.
  static Result<Scale> make(ScaleKind kind, double lo, double hi, double px_lo, double px_hi);

  ScaleKind kind() const { return kind_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  // Pixel of a value; values outside the range map outside the pixel range. A log scale maps
  // a non-positive value to the low end.
  double to_px(double value) const;
  bool contains(double value) const;
  // About `target` linear ticks, labelled as plain numbers where they read better than
  // prefixes (0.7, not 700 m; 85, 2500), else in `style`; on a log scale the decades, at most
  // 2 x target of them labelled.
  std::vector<Tick> ticks(std::size_t target = 5, TickStyle style = TickStyle::si) const;

 private:
  Scale(ScaleKind kind, double lo, double hi, double px_lo, double px_hi)
      : kind_(kind), lo_(lo), hi_(hi), px_lo_(px_lo), px_hi_(px_hi) {}
  double unit(double value) const;  // 0 at lo, 1 at hi
  ScaleKind kind_;
  double lo_, hi_, px_lo_, px_hi_;
};

}  // namespace ledlab::viz
