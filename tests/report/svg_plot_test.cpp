#include <catch2/catch.hpp>

#include "report/svg_plot.hpp"

#include <cmath>
#include <fmt/format.h>
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
  CHECK(svg.find("<title>lane 3 (row 1, column 3): no value</title>") != std::string::npos);
  CHECK(svg.find("<title>lane 2 (row 1, column 2): 2 GHz</title>") != std::string::npos);
  CHECK(count(svg, "stroke=\"#d00\"") == 2);
}

TEST_CASE("a BER axis is labelled in powers of ten, not SI prefixes") {
  PlotSpec spec{.title = "BER", .x_label = "temperature (°C)", .y_label = "bit error ratio", .y_scale = ScaleKind::log,
                .y_ticks = TickStyle::power_of_ten};
  spec.series.push_back({.name = "lane 7", .x = {25, 85}, .y = {1e-14, 3e-10}});
  const std::string svg = render_plot(spec);
  CHECK(svg.find(">10⁻¹²<") != std::string::npos);
  CHECK(svg.find(">1 p<") == std::string::npos);  // a BER of "1 p" reads as picowatts or picoseconds
}

TEST_CASE("the legend, limit lines included, sits right of the plot area and never over the data") {
  PlotSpec spec{.title = "decay", .width = 640};
  // Data filling every corner of the plot area: no corner inside it is free for a legend.
  spec.series.push_back({.name = "mean of live lanes", .x = {0, 0, 1, 1}, .y = {0, 1, 1, 0}, .markers = true});
  spec.limits.push_back({0.7, "L70"});
  const std::string svg = render_plot(spec);
  CHECK(svg.find("width=\"640\"") == std::string::npos);  // widened for the legend column
  // The legend entries start at x >= the plot's own width: outside the frame (which ends at 640 - 16).
  for (const std::string entry : {">mean of live lanes<", ">L70<"}) {
    const auto at = svg.find(entry);
    REQUIRE(at != std::string::npos);
    const auto x_at = svg.rfind("<text x=\"", at);
    CHECK(std::stod(svg.substr(x_at + 9)) >= 640.0);
  }
  CHECK(count(svg, "stroke-dasharray=\"4 3\"") == 2);  // the limit line and its legend swatch
}

TEST_CASE("a lane map numbers every row and column, titles its axes and outlines the marked lane with its name") {
  HeatmapSpec map{.title = "BER", .rows = 10, .cols = 40, .values = std::vector<double>(400, 1e-13), .scale = ScaleKind::log,
                  .ticks = TickStyle::power_of_ten, .marked_lane = 57, .marked_label = "worst: lane 57 (row 2, column 17)"};
  map.values[56] = 3e-10;
  const std::string svg = render_heatmap(map);
  for (int row = 1; row <= 10; ++row) CHECK(svg.find(fmt::format("text-anchor=\"end\">{}</text>", row)) != std::string::npos);
  CHECK(svg.find("text-anchor=\"middle\">17</text>") != std::string::npos);  // columns every 2 at 16 px, so 17 is one
  CHECK(svg.find(">row</text>") != std::string::npos);
  CHECK(svg.find(">column</text>") != std::string::npos);
  CHECK(svg.find(">worst: lane 57 (row 2, column 17)</text>") != std::string::npos);
  CHECK(svg.find("stroke=\"#000\" stroke-width=\"2.5\"") != std::string::npos);
  CHECK(svg.find("<title>lane 57 (row 2, column 17): 3×10⁻¹⁰</title>") != std::string::npos);
  map.limit = 1e-12;
  CHECK(render_heatmap(map).find("<title>limit 10⁻¹²</title>") != std::string::npos);  // the limit on the colour bar
}

TEST_CASE("a lane map's colour scale spans the live lanes: a dead lane's zero does not stretch it") {
  // f3dB of four lanes, lane 1 dead with the analysis' 0 Hz: the scale runs 1 .. 2 GHz.
  HeatmapSpec map{.title = "f3dB", .unit = "Hz", .rows = 2, .cols = 2, .values = {0, 1e9, 2e9, 1.5e9}, .dead = {true, false, false, false}};
  const std::string svg = render_heatmap(map);
  const auto cell_fill = [&](int lane) {
    const auto title = svg.find(fmt::format("<title>lane {} ", lane));
    const auto fill = svg.rfind("fill=\"", title);
    return svg.substr(fill + 6, svg.find('"', fill + 6) - fill - 6);
  };
  CHECK(cell_fill(1) == "#444");              // dead: its own grey, not a value
  CHECK(cell_fill(2) == "rgb(68,1,84)");      // the slowest live lane at the dark end of viridis
  CHECK(cell_fill(3) == "rgb(253,231,37)");   // the fastest at the bright end
  CHECK(svg.find(">0Hz<") == std::string::npos);  // no 0 on the colour bar
}

TEST_CASE("a lane map places each lane where the DUT's lanes table has it") {
  // A 2 x 2 DUT numbered column by column.
  const std::vector<ledlab::db::LaneRecord> table{{1, 0, 0, ""}, {2, 1, 0, ""}, {3, 0, 1, ""}, {4, 1, 1, ""}};
  HeatmapSpec map{.title = "power", .unit = "W", .layout = ledlab::viz::LaneLayout::from_table(table, 4), .values = {1, 2, 3, 4},
                  .marked_lane = 2, .marked_label = "lane 2"};
  REQUIRE(map.layout);
  const std::string svg = render_heatmap(map);
  CHECK(svg.find("<title>lane 2 (row 2, column 1)") != std::string::npos);
  CHECK(svg.find("<title>lane 3 (row 1, column 2)") != std::string::npos);
  // The outline of the marked lane sits on lane 2's cell: x = left margin, y = one row down.
  CHECK(svg.find(R"(<rect x="55" y="45" width="18" height="18" fill="none")") != std::string::npos);
}
