// The Results tab driven by mouse and keyboard input (ImGui's own input queue, no window and
// no GL): typing a filter, clicking a column header twice, naming the file and clicking
// Export CSV writes exactly the rows the table shows, in its order; a click on a lane's row
// selects that lane.
#include "../db/temp_db.hpp"
#include "gui/view/results_view.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <fstream>
#include <functional>
#include <sstream>

using namespace ledlab;

namespace {

std::vector<db::ResultRecord> results() {
  std::vector<db::ResultRecord> r;
  for (double t : {25.0, 55.0, 85.0})
    for (int lane = 1; lane <= 4; ++lane)
      r.push_back({.name = "ber_upper", .lane = lane, .value = 1e-14 * lane * (t / 25), .unit = "1", .upper_limit = 1e-12,
                   .verdict = lane == 4 ? std::optional(db::Verdict::dead) : std::nullopt,
                   .extra_json = fmt::format(R"({{"temperature_c":{},"errors":0}})", t)});
  for (int lane = 1; lane <= 4; ++lane)
    r.push_back({.name = "f3db_hz", .lane = lane, .value = 8e8 + 1e8 * lane, .unit = "Hz",
                 .extra_json = R"({"drive_current_a":0.005})"});
  r.push_back({.name = "array_pass", .value = 1, .unit = "1", .lower_limit = 1, .extra_json = R"({"temperature_c":85})"});
  return r;
}

// An ImGui context of its own, fed input the way a platform backend feeds it.
class Ui {
 public:
  // Each frame draws `draw` (by default the Results tab) after the view has followed the model.
  explicit Ui(gui::ResultsView& view, std::function<void()> draw = {}) : view_(view), draw_(std::move(draw)) {
    if (!draw_) draw_ = [this] { view_.results_tab(); };
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1000, 700);
    io.DeltaTime = 1.0f / 60;
    io.KeyMap[ImGuiKey_Enter] = 1;
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~Ui() { ImGui::DestroyContext(); }
  Ui(const Ui&) = delete;
  Ui& operator=(const Ui&) = delete;

  void frame(const gui::Model& model) {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("results", nullptr, ImGuiWindowFlags_NoDecoration);
    view_.update(model);
    draw_();
    ImGui::End();
    ImGui::Render();
    layout_ = view_.layout();
  }

  // Moves the pointer onto the named widget.
  void hover(const gui::Model& model, const std::string& widget) {
    INFO(layout_.dump(2));
    REQUIRE(layout_.at("widgets").contains(widget));
    const auto r = layout_.at("widgets").at(widget);
    ImGui::GetIO().MousePos = ImVec2((r[0].get<float>() + r[2].get<float>()) / 2, (r[1].get<float>() + r[3].get<float>()) / 2);
    frame(model);
  }

  // Moves the pointer onto the named widget, presses and releases the left button there.
  void click(const gui::Model& model, const std::string& widget) {
    hover(model, widget);
    ImGuiIO& io = ImGui::GetIO();
    io.MouseDown[0] = true;
    frame(model);
    io.MouseDown[0] = false;
    frame(model);
  }

  void type(const gui::Model& model, const std::string& text) {
    ImGui::GetIO().AddInputCharactersUTF8(text.c_str());
    frame(model);
    frame(model);
  }

  const nlohmann::json& layout() const { return layout_; }

 private:
  gui::ResultsView& view_;
  std::function<void()> draw_;
  nlohmann::json layout_;
};

}  // namespace

TEST_CASE("filtering, sorting and exporting from the Results tab by input writes exactly the rows it shows") {
  db::test::TempDb tmp;
  std::vector<gui::Command> sent;
  gui::ResultsView view([&](gui::Command c) { sent.push_back(std::move(c)); });
  gui::Model model;
  model.run = db::RunRecord{.id = 1, .uuid = "5a3c0f1e-0000-4000-8000-000000000000", .sequence = "ber_vs_temperature"};
  model.results = results();
  Ui ui(view);
  ui.frame(model);
  ui.frame(model);
  CHECK(ui.layout().at("rows") == model.results.size());
  CHECK(ui.layout().at("export") == "results-5a3c0f1e.csv");

  // Text filter "ber": the twelve BER results.
  ui.click(model, "text filter");
  ui.type(model, "ber");
  CHECK(ui.layout().at("rows") == 12);

  // Temperature, then the other way: 85 C first.
  ui.click(model, "results header temperature_c");
  ui.click(model, "results header temperature_c");
  ui.frame(model);

  // The file is named in the field (a click selects the old name, typing replaces it).
  const auto path = tmp.dir() / "ber.csv";
  ui.click(model, "export path");
  ui.type(model, path.string());
  ui.click(model, "export");
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream written;
  written << in.rdbuf();

  const gui::ResultTable table(model.results);
  const auto temperature = table.condition_column("temperature_c");
  REQUIRE(temperature);
  const auto shown = table.rows({.text = "ber"}, {.column = *temperature, .descending = true});
  CHECK(written.str() == table.csv(shown));
  std::istringstream lines(written.str());
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  CHECK(header == "name,lane,temperature_c,drive_current_a,value,qualifier,unit,verdict\r");
  CHECK(first == "ber_upper,1,85,,3.4e-14,,1,pass\r");

  // A click on the first row selects its lane.
  sent.clear();
  ui.click(model, "results row 0");
  REQUIRE(sent.size() == 1);
  REQUIRE(std::holds_alternative<gui::SelectLane>(sent[0]));
  CHECK(std::get<gui::SelectLane>(sent[0]).lane == 1);
}

TEST_CASE("a run ticked for comparison by a uuid prefix shows ticked in the runs list, and unticking it sends the others") {
  std::vector<gui::Command> sent;
  gui::ResultsView view([&](gui::Command c) { sent.push_back(std::move(c)); });
  const std::vector<db::RunRecord> runs{{.id = 1, .uuid = "aaaaaaaa-0000-4000-8000-000000000000"},
                                        {.id = 2, .uuid = "bbbbbbbb-0000-4000-8000-000000000000"}};
  Ui ui(view, [&] {
    for (const auto& r : runs) view.pick_box(r);
  });
  gui::Model model;
  view.pick({"aaaa", runs[1].uuid});  // as `ledlab gui --compare aaaa --compare bbbbbbbb-...`
  REQUIRE(sent.size() == 1);
  CHECK(std::get<gui::CompareRuns>(sent[0]).uuids == std::vector<std::string>{"aaaa", runs[1].uuid});
  ui.frame(model);
  ui.click(model, "compare aaaaaaaa");
  REQUIRE(sent.size() == 2);
  CHECK(std::get<gui::CompareRuns>(sent[1]).uuids == std::vector<std::string>{runs[1].uuid});
  ui.click(model, "compare aaaaaaaa");
  REQUIRE(sent.size() == 3);
  CHECK(std::get<gui::CompareRuns>(sent[2]).uuids == std::vector<std::string>{runs[1].uuid, runs[0].uuid});
}

TEST_CASE("hovering a result's value shows its limits and details") {
  gui::ResultsView view([](gui::Command&&) {});
  gui::Model model;
  model.run = db::RunRecord{.id = 1, .uuid = "5a3c0f1e-0000-4000-8000-000000000000"};
  model.results = {{.name = "ber_upper", .lane = 1, .value = 2e-13, .unit = "1", .upper_limit = 1e-12,
                    .extra_json = R"({"temperature_c":85,"errors":0,"bits":3e12})"}};
  Ui ui(view);
  ui.frame(model);
  ui.frame(model);
  ui.hover(model, "results value 0");
  ui.frame(model);
  const ImGuiWindow* tooltip = ImGui::FindWindowByName("##Tooltip_00");
  REQUIRE(tooltip);
  CHECK(tooltip->Active);
}
