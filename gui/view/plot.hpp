#pragma once
// A small plot widget on ImDrawList (ImPlot is not packaged in Debian): axes with ticks and
// units, linear or log scales, min/max-decimated histories, point curves with confidence
// bars, vertical markers, a hover read-out, wheel zoom, drag pan, double-click to refit.
#include "gui/core/model.hpp"
#include "gui/core/ticks.hpp"

#include <imgui.h>

#include <string>
#include <vector>

namespace ledlab::gui {

// What the operator did to one plot's view; kept by the dashboard across frames.
struct PlotView {
  bool auto_fit = true;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;  // data units (also on log axes)
};

// Reusable buffers so that a frame allocates nothing once warm.
struct PlotScratch {
  std::vector<MinMaxHistory::Column> columns;
  std::vector<ImVec2> points;
};

// The data range a plot shows when it fits everything (positive values only on log axes).
void fit_view(const PlotData& data, PlotView& view);

// What a plot's axes show for a view `width` x `height` pixels (the data area): the unit of
// each axis, its title and ticks. The hover read-out formats with the same units, so a
// minutes axis reads in minutes there too; computed without ImGui, so it is tested alone.
struct PlotAxes {
  AxisUnit x, y;
  std::vector<Tick> x_ticks, y_ticks;
  std::string x_title, y_title;
};
PlotAxes plot_axes(const PlotData& data, const PlotView& view, float width, float height);

// Returns whether the data were drawn (false: no data, or too small an area to draw them in).
bool draw_plot(const char* id, const PlotData& data, PlotView& view, ImVec2 size, PlotScratch& scratch);

}  // namespace ledlab::gui
