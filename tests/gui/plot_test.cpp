// The dashboard's plot widget drawn into an ImGui draw list without a window: what it draws
// when zoomed in between two samples, and the units its axes and read-outs use.
#include "gui/view/plot.hpp"
#include "gui/view/style.hpp"

#include <catch2/catch.hpp>
#include <imgui.h>

#include <algorithm>
#include <memory>
#include <string>

using namespace ledlab::gui;

namespace {

// One ImGui frame with a plot at the top left of an 800 x 600 display; `inspect` reads the
// draw data before the context goes.
template <typename Inspect>
void draw_one_frame(const PlotData& data, PlotView& view, Inspect inspect) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(800, 600);
  io.DeltaTime = 1.0f / 60;
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas; no renderer needed
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(800, 600));
  ImGui::Begin("plot test", nullptr, ImGuiWindowFlags_NoDecoration);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  PlotScratch scratch;
  draw_plot("p", data, view, ImVec2(600, 400), scratch);
  ImGui::End();
  ImGui::Render();
  inspect(*ImGui::GetDrawData(), origin);
  ImGui::DestroyContext();
}

PlotData power_plot(std::shared_ptr<MinMaxHistory> history) {
  PlotData p{.title = "Optical power", .x_label = "time", .x_unit = "h", .y_label = "power", .y_unit = "W"};
  p.histories.push_back({"array mean", std::move(history)});
  return p;
}

}  // namespace

TEST_CASE("a plot zoomed in between two samples draws the line crossing the view") {
  auto history = std::make_shared<MinMaxHistory>();
  history->append(0.0, 1e-6);
  history->append(1.0, 3e-6);
  const PlotData data = power_plot(history);
  // The view is between the samples: no sample inside it, the line from (0, 1 µW) to
  // (1 h, 3 µW) crosses it from about 1.8 to 2.2 µW, mid-height.
  PlotView view{.auto_fit = false, .x0 = 0.4, .x1 = 0.6, .y0 = 0, .y1 = 4e-6};
  draw_one_frame(data, view, [&](const ImDrawData& dd, ImVec2 origin) {
    const ImU32 colour = colours::series(0);
    float left = 1e9f, right = -1e9f;
    for (int l = 0; l < dd.CmdListsCount; ++l)
      for (const ImDrawVert& v : dd.CmdLists[l]->VtxBuffer)
        // The legend's swatch has the series colour too; it sits in the top rows.
        if (v.col == colour && v.pos.y > origin.y + 150 && v.pos.y < origin.y + 300)
          left = std::min(left, v.pos.x), right = std::max(right, v.pos.x);
    INFO("series-coloured pixels from x = " << left << " to " << right);
    REQUIRE(right > left);
    CHECK(right - left > 400);  // across most of the 600 px wide plot, not a short piece of it
  });
}

TEST_CASE("the frequency axis of the dashboard reads 10 M .. 1 G, not 1e7 .. 1e10") {
  PlotData data{.title = "Frequency response", .x_label = "modulation frequency", .x_unit = "Hz", .y_label = "response", .y_unit = "dB",
                .x_log = true};
  const PlotView view{.auto_fit = false, .x0 = 1e7, .x1 = 1e10, .y0 = -10, .y1 = 1};
  const PlotAxes axes = plot_axes(data, view, 520, 340);
  std::string labels;
  for (const auto& t : axes.x_ticks)
    if (!t.label.empty()) labels += t.label + ";";
  CHECK(labels == "10 M;100 M;1 G;10 G;");
  CHECK(axes.x_title == "modulation frequency (Hz)");
}

TEST_CASE("the hover read-out of a minutes axis is in minutes, like the axis") {
  const PlotData data = power_plot(std::make_shared<MinMaxHistory>());
  const PlotView view{.auto_fit = false, .x0 = 0, .x1 = 1, .y0 = 0, .y1 = 4e-6};
  const PlotAxes axes = plot_axes(data, view, 520, 340);
  CHECK(axes.x_title == "time (min)");
  CHECK(axes.x.format(0.5) == "30.0 min");  // it said "0.50 h"
  CHECK(axes.y_title == "power (µW)");
  CHECK(axes.y.format(1.5e-6) == "1.50 µW");
  const PlotView long_run{.auto_fit = false, .x0 = 0, .x1 = 48, .y0 = 0, .y1 = 4e-6};
  const PlotAxes hours = plot_axes(data, long_run, 520, 340);
  CHECK(hours.x_title == "time (h)");
  CHECK(hours.x.format(30) == "30.0 h");
}

TEST_CASE("a plot's legend swatch grows with the UI scale, like its text") {
  auto history = std::make_shared<MinMaxHistory>();
  history->append(0.0, 1e-6);
  history->append(1.0, 3e-6);
  const PlotData data = power_plot(history);
  // The swatch is one filled rectangle in the series' colour: four vertices forming a square.
  auto swatch_side = [&](float scale) {
    set_ui_scale(scale);
    PlotView view;
    float side = 0;
    draw_one_frame(data, view, [&](const ImDrawData& dd, ImVec2) {
      const ImU32 colour = colours::series(0);
      for (int l = 0; l < dd.CmdListsCount; ++l) {
        const auto& v = dd.CmdLists[l]->VtxBuffer;
        for (int i = 0; i + 3 < v.Size; ++i) {
          if (v[i].col != colour || v[i + 1].col != colour || v[i + 2].col != colour || v[i + 3].col != colour) continue;
          const float w = v[i + 2].pos.x - v[i].pos.x, h = v[i + 2].pos.y - v[i].pos.y;
          const bool rect = v[i + 1].pos.y == v[i].pos.y && v[i + 3].pos.x == v[i].pos.x && w > 0 && w == h;
          if (rect) side = std::max(side, w);
        }
      }
    });
    set_ui_scale(1);
    return side;
  };
  CHECK(swatch_side(1) == Approx(12));
  CHECK(swatch_side(2) == Approx(24));
}
