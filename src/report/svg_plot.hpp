#pragma once
// Inline SVG plots for the HTML report, drawn by ledlab itself: x-y plots with linear or log
// axes, ticks, grid, axis titles with units, lines, markers, error bars and limit lines; and
// lane-map heatmaps with a colour bar. The output is an <svg> element with no external
// references, ready to paste into a page.
#include "viz/lane_layout.hpp"
#include "viz/scale.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::report {

// The report draws its axes with the scales and ticks the dashboard uses (src/viz).
using viz::nice_range;
using viz::power_of_ten_label;
using viz::Scale;
using viz::ScaleKind;
using viz::si_label;
using viz::Tick;
using viz::tick_label;
using viz::TickStyle;

struct PlotSeries {
  std::string name;              // legend entry; empty: not in the legend
  std::vector<double> x, y;      // points with a non-finite (or, on log axes, non-positive) value are skipped
  std::vector<double> y_low, y_high;  // error bars as absolute values (empty: none; NaN: none for that point)
  std::string color;             // empty: the palette's next colour
  bool line = true;
  bool markers = false;
  bool dashed = false;
  double width = 1.5;
};

// A horizontal line at a limit (a BER limit, L70); named in the legend, beside the plot area.
struct LimitLine {
  double y = 0.0;
  std::string label;
};

struct PlotSpec {
  std::string title;
  std::string x_label;  // with the unit: "modulation frequency (Hz)"
  std::string y_label;
  ScaleKind x_scale = ScaleKind::linear;
  ScaleKind y_scale = ScaleKind::linear;
  std::optional<std::pair<double, double>> x_range;  // empty: from the data, widened to nice bounds
  std::optional<std::pair<double, double>> y_range;
  int width = 640;
  int height = 360;
  std::vector<PlotSeries> series;
  std::vector<LimitLine> limits;
  bool legend = true;  // drawn to the right of the plot area (widening the SVG), never over the data
  TickStyle x_ticks = TickStyle::si;
  TickStyle y_ticks = TickStyle::si;  // TickStyle::power_of_ten for a BER axis
};

// An <svg> element; a plot with no drawable point says so in its frame instead of failing.
std::string render_plot(const PlotSpec& spec);

struct HeatmapSpec {
  std::string title;
  std::string unit;            // of the values, for the colour bar
  int rows = 0, cols = 0;              // a row-major grid, when no layout is given
  std::optional<viz::LaneLayout> layout;  // where each lane sits (the DUT's lanes table)
  std::vector<double> values;  // [lane - 1]; NaN: no value (drawn grey)
  std::vector<bool> flagged;   // optional, [lane - 1]: crossed-out cells (failed lanes)
  // Optional, [lane - 1]: lanes drawn apart from failed ones, each named in a key under the map
  // (a burn-in's catastrophic failures and dead lanes are not parametric failures). Dead
  // lanes stay off the colour scale: it spans the live lanes only.
  std::vector<bool> catastrophic;  // a black dot on the cell
  std::vector<bool> dead;          // the cell filled dark grey
  std::string flagged_meaning;     // key text of the crosses ("failed"); empty: no key entry
  ScaleKind scale = ScaleKind::linear;
  int cell_px = 16;
  TickStyle ticks = TickStyle::si;  // colour bar and cell values
  std::optional<int> marked_lane;   // 1-based: outlined (the worst lane), named by marked_label under the map
  std::string marked_label;
  std::optional<double> limit;      // marked on the colour bar in red when inside its range (the BER limit)
};

std::string render_heatmap(const HeatmapSpec& spec);

// Text with &, <, >, " escaped for HTML and SVG.
std::string escape(std::string_view text);

}  // namespace ledlab::report
