// The dashboard's layout at the window sizes and UI scales a lab has (issue 16: fonts and the
// lane map did not scale on a 2560x1440 screen; an 800x600 window said "no data" where it had
// data). Built in process, without a GPU: ImGui lays out and the layout report says where.
#include "gui/view/dashboard.hpp"
#include "gui/view/style.hpp"
#include "support/dashboard_model.hpp"

#include <catch2/catch.hpp>
#include <imgui.h>
#include <nlohmann/json.hpp>

#include <string>

namespace {

using namespace ledlab::gui;
using nlohmann::json;

// The dashboard's layout report after it has drawn `model` in a w x h window at `scale`.
json layout_at(float w, float h, float scale, const Model& model) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(w, h);
  io.DeltaTime = 1.0f / 60;
  set_ui_scale(scale);
  ImGui::GetStyle().ScaleAllSizes(scale);
  ImFontConfig font;
  font.SizePixels = 13 * scale;
  io.Fonts->AddFontDefault(&font);
  unsigned char* pixels = nullptr;
  int tw = 0, th = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &tw, &th);
  Dashboard dashboard([](Command&&) {});
  for (int i = 0; i < 2; ++i) {  // ImGui sizes some things from the frame before
    ImGui::NewFrame();
    dashboard.frame(model);
    ImGui::Render();
  }
  json j = dashboard.layout(model);
  ImGui::DestroyContext();
  set_ui_scale(1);
  return j;
}

const Model& model() {
  static const Model m = ledlab::test::burn_in_model();
  return m;
}

double cell_px(const json& j) { return j.at("cells").at(0).at("x1").get<double>() - j.at("cells").at(0).at("x0").get<double>(); }

const json& plot(const json& j, const std::string& title) {
  for (const auto& p : j.at("plots"))
    if (p.at("title") == title) return p;
  FAIL("no plot " << title << " in " << j.at("plots").dump());
  throw;
}

double width(const json& p) { return p.at("x1").get<double>() - p.at("x0").get<double>(); }

// Every lane's cell is drawn, at least two pixels square, inside the window.
void check_every_lane_shown(const json& j, float w, float h) {
  const auto& cells = j.at("cells");
  REQUIRE(cells.size() == 400);
  for (const auto& c : cells) {
    INFO("lane " << c.at("lane"));
    CHECK(c.at("x1").get<double>() - c.at("x0").get<double>() >= 1);  // two pixels less the gap
    CHECK(c.at("x0").get<double>() >= 0);
    CHECK(c.at("x1").get<double>() <= w);
    CHECK(c.at("y1").get<double>() <= h);
  }
}

}  // namespace

TEST_CASE("an 800x600 window draws every plot that has data and every lane of the map") {
  const json j = layout_at(800, 600, 1, model());
  INFO(j.at("plots").dump());
  for (const auto& p : model().plots) {
    INFO(p.title);
    CHECK(plot(j, p.title).at("drawn") == !p.empty());
    CHECK(plot(j, p.title).at("x1").get<double>() <= 800);
  }
  check_every_lane_shown(j, 800, 600);
}

TEST_CASE("a 2560x1440 window gives the lane map and the plots the room it has") {
  const json small = layout_at(1600, 1000, 1, model()), large = layout_at(2560, 1440, 1, model());
  CHECK(cell_px(large) >= 1.5 * cell_px(small));
  CHECK(width(plot(large, "Chamber temperature")) >= 1.4 * width(plot(small, "Chamber temperature")));
  for (const auto& p : model().plots) CHECK(plot(large, p.title).at("drawn") == !p.empty());
  check_every_lane_shown(large, 2560, 1440);
}

TEST_CASE("at UI scale 2 the panels' fixed sizes grow with the fonts") {
  const json one = layout_at(2560, 1440, 1, model()), two = layout_at(2560, 1440, 2, model());
  CHECK(two.at("scale") == 2.0);
  CHECK(two.at("font_px").get<double>() == Approx(2 * one.at("font_px").get<double>()));
  // The top bar (state badge, progress, buttons) is twice as tall: the plots start lower.
  const double top1 = plot(one, "Chamber temperature").at("y0").get<double>();
  const double top2 = plot(two, "Chamber temperature").at("y0").get<double>();
  CHECK(top2 >= 1.8 * top1);
  for (const auto& p : model().plots) CHECK(plot(two, p.title).at("drawn") == !p.empty());
  check_every_lane_shown(two, 2560, 1440);
}
