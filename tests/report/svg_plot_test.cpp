#include <catch2/catch.hpp>

#include "report/svg_plot.hpp"

#include <cmath>
#include <string>

using namespace ledlab::report;

namespace {
std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("a log-axis plot draws error bars and skips points a log axis cannot show") {
  PlotSpec spec{.title = "BER", .x_label = "temperature (°C)", .y_label = "BER", .y_scale = ScaleKind::log};
  spec.series.push_back({.name = "lane 7", .x = {25, 55, 85}, .y = {1e-12, 0, 3e-10}, .y_low = {NAN, NAN, 1e-10},
                         .y_high = {3e-12, 2e-12, 6e-10}, .markers = true});
  const std::string svg = render_plot(spec);
  CHECK(svg.starts_with("<svg"));
  CHECK(svg.ends_with("</svg>"));
  CHECK(count(svg, "<circle") == 2);        // the zero BER is not drawable on a log axis
  CHECK(count(svg, "stroke=\"#1f77b4\"/>") == 2 + 2 * 2);  // two bars, each with two caps
  CHECK(svg.find(">lane 7<") != std::string::npos);
  CHECK(svg.find(">1 p<") != std::string::npos);  // a decade label of the y axis
  CHECK(svg.find("temperature (°C)") != std::string::npos);
}

TEST_CASE("a plot without drawable data says so instead of failing") {
  PlotSpec spec{.title = "empty", .x_scale = ScaleKind::log};
  spec.series.push_back({.x = {-1, 0}, .y = {1, 2}});
  const std::string svg = render_plot(spec);
  CHECK(svg.find("no data to plot") != std::string::npos);
}

TEST_CASE("limit lines are drawn and labelled, titles are escaped") {
  PlotSpec spec{.title = "a < b & c"};
  spec.series.push_back({.x = {0, 1}, .y = {0.5, 1.0}});
  spec.limits.push_back({0.7, "L70"});
  const std::string svg = render_plot(spec);
  CHECK(svg.find("a &lt; b &amp; c") != std::string::npos);
  CHECK(svg.find(">L70<") != std::string::npos);
  CHECK(svg.find("stroke-dasharray=\"4 3\"") != std::string::npos);
}

TEST_CASE("a lane map has one cell per lane, grey for missing values and crosses for flagged lanes") {
  HeatmapSpec map{.title = "f3dB", .unit = "Hz", .rows = 2, .cols = 3, .values = {1e9, 2e9, NAN, 1.5e9, 1.2e9, 1.1e9},
                  .flagged = {false, false, true, false, true, false}};
  const std::string svg = render_heatmap(map);
  CHECK(count(svg, "<title>lane ") == 6);
  CHECK(count(svg, "fill=\"#bbb\"") == 1);
  CHECK(svg.find("<title>lane 3: no value</title>") != std::string::npos);
  CHECK(svg.find("<title>lane 2: 2 GHz</title>") != std::string::npos);
  CHECK(count(svg, "stroke=\"#d00\"") == 2);
}
