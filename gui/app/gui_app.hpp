#pragma once
// `ledlab gui`: the dashboard window (GLFW + OpenGL 3), or headless under Xvfb for tests and
// docs: render until the run is on screen, optionally pause it through the dashboard's own
// command path, then write a PNG of the frame and where the lane map's cells are.
#include "db/lab_access.hpp"
#include "gui/core/model.hpp"

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ledlab::gui {

struct GuiOptions {
  std::filesystem::path db;
  std::filesystem::path station;
  std::filesystem::path sequences_dir = "sequences";
  std::optional<std::string> attach;  // run uuid or prefix
  std::string lab;                    // browse the lab database (PostgreSQL URL) instead of `db`
  db::LabAccess lab_access;           // how (db::lab::lab_access())
  db::RunFilter lab_filter;           // the lab's runs list: station, DUT, DUT type, sequence
  std::optional<StartRun> start;
  std::filesystem::path screenshot;   // non-empty: headless, write this PNG and exit
  std::filesystem::path layout;       // lane-map cells as JSON, written with the screenshot / at exit
  std::filesystem::path ui_map;       // the layout with named widget rects, rewritten whenever it changes
  int frames = 3;                     // frames to render once the run is shown (and paused, with pause)
  bool pause = false;                 // pause the run through the dashboard once it shows data
  std::string metric;                 // lane-map metric to show
  std::string tab;                    // right-hand tab to show first (Dashboard::show_tab)
  std::vector<std::string> compare;   // runs ticked for the Compare tab; headless waits for them
  int lane = 0;                       // lane to select (0: none)
  int width = 1600, height = 1000;
  float scale = 0;                    // UI scale (fonts, sizes); 0: the monitor's content scale
  double timeout_s = 120;             // headless: give up waiting for the run after this
};

// Returns the process exit code: 0, 1 (no display / timed out), 2 (bad input).
int run_gui(const GuiOptions& options, std::ostream& err);

}  // namespace ledlab::gui
