#pragma once
// Axis ticks and number labels for the dashboard's plots (no ImGui here: unit-tested alone).
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::gui {

struct Tick {
  double value = 0;
  std::string label;  // empty for a minor tick
};

// 1, 2 or 5 times a power of ten, the smallest such step >= raw.
double nice_step(double raw);

// Ticks at multiples of a nice step inside [lo, hi], at most about `max_ticks` of them.
// Labels are in `scale` units (value / scale), with as many decimals as the step needs.
std::vector<Tick> linear_ticks(double lo, double hi, int max_ticks, double scale = 1);

// Ticks at powers of ten inside [lo, hi] (both > 0), labelled "1e-9"; when the range spans
// fewer than three decades, 2x and 5x ticks are labelled too. Over many decades only every
// n-th decade is labelled so that at most `max_ticks` labels appear.
std::vector<Tick> log_ticks(double lo, double hi, int max_ticks);

// SI prefix for an axis: for units that take one (W, Hz, A, V, b/s, s) the prefix that puts
// `magnitude` in [1, 1000); "C", "1", "%" and unknown units get none.
struct Prefix {
  double scale = 1;
  std::string symbol;  // "µ", "G", ""
};
Prefix si_prefix(double magnitude, std::string_view unit);

// One value with its unit for read-outs: "1.23 µW", "85.0 C", "2.4e-12".
std::string format_value(double value, std::string_view unit, int significant = 3);

}  // namespace ledlab::gui
