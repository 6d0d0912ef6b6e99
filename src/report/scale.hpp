#pragma once
// Axis scales for the report's SVG plots: a value range mapped to a pixel range, linearly or
// logarithmically, with "nice" ticks (1-2-5 steps on linear axes, decades with 2..9 minor
// ticks on log axes) and SI-prefixed labels ("500 M", "1.5 G", "10 p").
#include "core/error.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::report {

enum class ScaleKind { linear, log };

// How tick values are written: with SI prefixes ("500 M", "1.5 G": quantities with a unit,
// Hz, W, h) or as powers of ten ("10⁻¹²": dimensionless ratios such as a bit error ratio,
// where "1 p" would read as picoseconds or picowatts).
enum class TickStyle { si, power_of_ten };

struct Tick {
  double value = 0.0;
  std::string label;  // empty for minor ticks
  bool major = true;
};

// The step of about `target` intervals over [lo, hi]: 1, 2 or 5 times a power of ten.
double nice_step(double lo, double hi, std::size_t target);

// Widens [lo, hi] to whole steps (linear) or whole decades (log). A zero-width range is
// widened around its value; a log range must be positive.
Result<std::pair<double, double>> nice_range(ScaleKind kind, double lo, double hi, std::size_t target = 5);

// A number with an SI prefix and at most `digits` significant digits: 1.5e9 -> "1.5 G",
// 2e-12 -> "2 p", 0 -> "0", 1234 -> "1.23 k".
std::string si_label(double value, int digits = 3);

// A number as a power of ten, exponent in Unicode superscripts (so it reads the same in SVG
// text, HTML and a terminal): 1e-12 -> "10⁻¹²", 2.5e-13 -> "2.5×10⁻¹³", 0.1 -> "10⁻¹"; 0 to 999
// plain: 0 -> "0", 250 -> "250".
std::string power_of_ten_label(double value, int digits = 3);
std::string tick_label(double value, TickStyle style);

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
  std::vector<Tick> ticks(std::size_t target = 5, TickStyle style = TickStyle::si) const;

 private:
  Scale(ScaleKind kind, double lo, double hi, double px_lo, double px_hi)
      : kind_(kind), lo_(lo), hi_(hi), px_lo_(px_lo), px_hi_(px_hi) {}
  double unit(double value) const;  // 0 at lo, 1 at hi
  ScaleKind kind_;
  double lo_, hi_, px_lo_, px_hi_;
};

}  // namespace ledlab::report
