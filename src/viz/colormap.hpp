#pragma once
// Colours of lane maps, the dashboard's and the report's: one perceptually ordered map for
// continuous metrics (viridis: dark violet = low, yellow = high, lightness increasing
// monotonically; readable by colour-blind engineers) and fixed colours for verdicts and marks.
// Pure functions: the tests compute the colour a lane should have from the stored value.
#include <cstdint>
#include <optional>
#include <string>

namespace ledlab::viz {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
};

// f in [0, 1] (clamped); NaN gives the no-data grey.
Rgb colormap(double f);
// "rgb(68,1,84)" for SVG and CSS.
std::string css(Rgb colour);
inline constexpr Rgb no_data_colour{70, 70, 78};
inline constexpr Rgb pass_colour{46, 160, 67};
inline constexpr Rgb fail_colour{218, 54, 51};
// Lanes the run's sequence judged dead (no light: a fact about the lane, not a failed limit),
// burn-in lanes that failed catastrophically (a sudden drop, apart from parametric decay) and
// figures the analysis could not resolve (f3dB beyond the sweep): none of them is a value on
// the colour scale.
inline constexpr Rgb dead_colour{150, 150, 156};
inline constexpr Rgb catastrophic_colour{150, 30, 150};
inline constexpr Rgb unresolved_colour{235, 150, 60};

// What a lane is besides its value; a mark other than none overrides the value's colour.
enum class LaneMark : std::uint8_t { none, dead, catastrophic, unresolved };
const char* to_string(LaneMark mark);  // "", "dead", "catastrophic", "unresolved"

// Where `value` sits between lo and hi, 0..1, on a linear or log10 scale. lo == hi gives 0.5.
double normalise(double value, double lo, double hi, bool log_scale);

// The colour of one lane: verdict metrics (1 = good, 0 = bad) use the verdict colours,
// others the colormap over [lo, hi]; no value gives the no-data grey.
Rgb lane_colour(std::optional<double> value, double lo, double hi, bool log_scale, bool verdict);
// The same with the lane's mark: dead, catastrophic and unresolved lanes get their own colours.
Rgb lane_colour(std::optional<double> value, LaneMark mark, double lo, double hi, bool log_scale, bool verdict);

}  // namespace ledlab::viz
