#pragma once
// Axis ticks and number labels for the report's SVG plots and the dashboard's plots: "nice"
// steps (1-2-5 times a power of ten) on linear axes, decades with 2..9 minor ticks on log
// axes, and values with SI prefixes ("500 M", "1.5 G", "1.23 µW") or powers of ten.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::viz {

// How tick values are written: with SI prefixes ("10 M", "1.5 G": quantities with a unit, Hz,
// W, h); as powers of ten in Unicode superscripts ("10⁻¹²": dimensionless ratios such as a bit
// error ratio, where "1 p" would read as picoseconds); or as "1e-12" where the font has no
// superscripts (the dashboard's Latin-1 glyph range).
enum class TickStyle { si, power_of_ten, exponent };

struct Tick {
  double value = 0.0;
  std::string label;  // empty for an unlabelled tick
  bool major = true;  // false for the 2..9 ticks between decades
};

// The smallest step >= raw that is 1, 2 or 5 times a power of ten (at most so many ticks).
double nice_step(double raw);
// The step of about `target` intervals over [lo, hi]: 1, 2 or 5 times a power of ten, the
// nearest one (about so many ticks).
double nice_step(double lo, double hi, std::size_t target);

// The multiples of `step` inside [lo, hi]; a multiple that rounds to zero is exactly 0 (no "-0").
std::vector<double> tick_values(double lo, double hi, double step);

// Ticks at multiples of a nice step inside [lo, hi], at most about `max_ticks` of them.
// Labels are in `scale` units (value / scale), with as many decimals as the step needs.
std::vector<Tick> linear_ticks(double lo, double hi, int max_ticks, double scale = 1);

// Ticks on the decades inside [lo, hi] (both > 0) and minor ticks at 2..9 times each decade
// while the range spans at most six decades. Over many decades only every n-th decade is
// labelled so that at most `max_labels` labels appear; under three decades the 2x and 5x ticks
// are labelled too.
std::vector<Tick> log_ticks(double lo, double hi, int max_labels, TickStyle style);

// A number with an SI prefix and at most `digits` significant digits: 1.5e9 -> "1.5 G",
// 2e-12 -> "2 p", 0 -> "0", 1234 -> "1.23 k".
std::string si_label(double value, int digits = 3);
// A number as a power of ten, exponent in Unicode superscripts (so it reads the same in SVG
// text, HTML and a terminal): 1e-12 -> "10⁻¹²", 2.5e-13 -> "2.5×10⁻¹³"; 0 to 999 plain.
std::string power_of_ten_label(double value, int digits = 3);
// The same in ASCII: 1e-12 -> "1e-12", 2.5e-13 -> "2.5e-13"; 0 to 999 plain.
std::string exponent_label(double value, int digits = 3);
std::string tick_label(double value, TickStyle style);

// SI prefix for an axis: for units that take one (W, Hz, A, V, b/s, s) the prefix that puts
// `magnitude` in [1, 1000); "C", "1", "%", "h", "min" and unknown units get none.
struct Prefix {
  double scale = 1;
  std::string symbol;  // "µ", "G", ""
};
Prefix si_prefix(double magnitude, std::string_view unit);
bool takes_si_prefix(std::string_view unit);

// One value with its unit for read-outs: "1.23 µW", "85.0 C", "2.4e-12", "30.0 min".
std::string format_value(double value, std::string_view unit, int significant = 3);

// How one plot axis writes its numbers. A value v of the data reads as v * factor in `unit`
// (a short span of an hours axis reads in minutes: factor 60, "min"), and its ticks as
// v * factor / prefix.scale (a power axis in µW). Axis title, tick labels and the hover
// read-out all come from one AxisUnit, so they never disagree.
struct AxisUnit {
  std::string unit;   // as shown: "min" for an hours axis under two hours
  double factor = 1;  // data unit -> shown unit
  Prefix prefix;      // of the tick labels; none on a log axis (its ticks carry their own)
  double tick_scale() const { return prefix.scale / factor; }
  std::string title(std::string_view label) const;         // "time (min)", "power (µW)", "BER"
  std::string format(double value, int significant = 3) const;  // "30.0 min"
};
AxisUnit axis_unit(double lo, double hi, std::string_view unit, bool log);

// The tick style of a log axis in `unit` on a screen without superscript glyphs: SI prefixes
// for units that take one ("10 M", "1 G" on a frequency axis), "1e-12" for ratios.
TickStyle log_tick_style(std::string_view unit);

}  // namespace ledlab::viz
