#include "cli/commands.hpp"

#include "db/cli.hpp"
#include "db/lab/lab_reader.hpp"
#include "db/reader.hpp"

#ifdef LEDLAB_WITH_GUI
#include "gui/app/gui_app.hpp"
#endif

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <iostream>

namespace ledlab::cli {

namespace {

// A run to follow that the store does not hold is bad input now, not an empty window later.
// (Unused in a build without the dashboard, LEDLAB_BUILD_GUI=OFF.)
[[maybe_unused]] void check_attach_or_exit(const std::filesystem::path& db, const std::string& uuid) {
  auto reader = db::Reader::open(db);
  auto run = reader ? reader->find_run(uuid) : Result<db::RunRecord>(std::unexpected(reader.error()));
  if (run) return;
  fmt::print(std::cerr, "error: --attach {}: {} (results store {})\n", uuid, run.error().message, db.string());
  throw Exit{2};
}

}  // namespace

void register_gui_command(CLI::App& app) {
  struct Options {
    std::string lab, lab_station, lab_dut, lab_dut_type, lab_sequence;
    std::string db, station, sequences = "sequences", attach, start, screenshot, layout, ui_map, metric, size = "1600x1000";
    std::vector<std::string> params, compare;
    std::string tab;
    int lane = 0;
    int frames = 3;
    bool pause = false;
    double timeout_s = 120;
    double scale = 0;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("gui", "Live dashboard: follow, start and steer runs; browse the store");
  auto* db = cmd->add_option("--db", o->db, "results store (default: $LEDLAB_DB or ./ledlab.sqlite)");
  auto* lab = cmd->add_option("--lab", o->lab,
                              "browse the lab database (PostgreSQL URL) instead: every station's runs, read only")
                  ->excludes(db);
  cmd->add_option("--lab-station", o->lab_station, "with --lab: list this station's runs")->needs(lab);
  cmd->add_option("--lab-dut", o->lab_dut, "with --lab: list the runs on this DUT serial")->needs(lab);
  cmd->add_option("--lab-dut-type", o->lab_dut_type, "with --lab: list the runs on this DUT type")->needs(lab);
  cmd->add_option("--lab-sequence", o->lab_sequence, "with --lab: list the runs of this sequence")->needs(lab);
  cmd->add_option("--station", o->station, "station file for runs started from the dashboard");
  cmd->add_option("--sequences", o->sequences, "folder of sequence scripts to offer (default: ./sequences)");
  auto* attach = cmd->add_option("--attach", o->attach, "follow a running (or past) run: uuid or unique prefix");
  cmd->add_option("--start", o->start, "start this sequence (as `ledlab run ... --sim`) and follow it")->excludes(attach);
  cmd->add_option("-p,--param", o->params, "parameter override for --start, name=value (repeatable)");
  cmd->add_option("--screenshot", o->screenshot, "headless: render, write this PNG and exit (under xvfb-run -a)");
  cmd->add_option("--frames", o->frames, "frames to render once the run is shown, before the screenshot");
  cmd->add_flag("--pause", o->pause, "headless: pause the run through the dashboard once it shows data");
  cmd->add_option("--layout", o->layout, "write where the lane map's cells are (JSON), for tests");
  cmd->add_option("--ui-map", o->ui_map,
                  "keep this file (JSON) up to date with where the named widgets, lane cells and plot views are, "
                  "for tests that drive the window with input events");
  cmd->add_option("--metric", o->metric, "lane-map metric: 'optical power', f3dB, 'BER upper bound', pass/fail, ...");
  cmd->add_option("--size", o->size, "window size WxH");
  cmd->add_option("--tab", o->tab, "right-hand tab to show first: Runs, Results, Compare or Lane")
      ->check(CLI::IsMember({"Runs", "Results", "Compare", "Lane"}));
  cmd->add_option("--compare", o->compare, "tick this run (uuid or unique prefix) for the Compare tab (repeatable)");
  cmd->add_option("--lane", o->lane, "select this lane (its plots, map cell and Lane tab)")->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--scale", o->scale, "UI scale for fonts and sizes, 0.5 to 4 (default: the monitor's content scale)");
  cmd->add_option("--timeout", o->timeout_s, "headless: seconds to wait for the run");
  cmd->callback([o] {
#ifdef LEDLAB_WITH_GUI
    gui::GuiOptions g;
    g.db = !o->db.empty() ? o->db : db::default_db_path();
    g.station = o->station;
    if (!o->station.empty()) (void)load_station_or_exit(o->station);  // a bad file fails here, not in the child
    g.sequences_dir = o->sequences;
    if (!o->lab.empty()) {
      if (!o->start.empty() || !o->compare.empty() || !o->station.empty()) {
        fmt::print(std::cerr, "error: --lab browses the lab database: no --start, --compare or --station with it\n");
        throw Exit{2};
      }
      g.lab = o->lab;
      g.lab_access = db::lab::lab_access();
      const auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
      g.lab_filter.dut_serial = opt(o->lab_dut);
      g.lab_filter.sequence = opt(o->lab_sequence);
      g.lab_filter.station = opt(o->lab_station);
      g.lab_filter.dut_type = opt(o->lab_dut_type);
    }
    if (!o->attach.empty()) {
      if (o->lab.empty()) check_attach_or_exit(g.db, o->attach);  // a lab run is found when the dashboard copies it
      g.attach = o->attach;
    }
    if (!o->start.empty()) {
      if (o->station.empty()) {
        fmt::print(std::cerr, "error: --start needs --station\n");
        throw Exit{2};
      }
      g.start = gui::StartRun{o->start, parse_params_or_exit(o->params)};
    }
    g.screenshot = o->screenshot;
    g.layout = o->layout;
    g.ui_map = o->ui_map;
    g.frames = o->frames;
    g.pause = o->pause;
    g.metric = o->metric;
    g.tab = o->tab;
    // A run to compare that the store does not hold fails here, not as a screenshot waiting for it.
    for (const auto& uuid : o->compare) {
      auto reader = db::Reader::open(g.db);
      auto found = reader ? reader->find_run(uuid) : Result<db::RunRecord>(std::unexpected(reader.error()));
      if (!found) {
        fmt::print(std::cerr, "error: --compare {}: {} (store {})\n", uuid, found.error().describe(), g.db.string());
        throw Exit{2};
      }
    }
    g.compare = o->compare;
    g.lane = o->lane;
    g.timeout_s = o->timeout_s;
    if (std::sscanf(o->size.c_str(), "%dx%d", &g.width, &g.height) != 2 || g.width < 320 || g.height < 240) {
      fmt::print(std::cerr, "error: --size {}: expected WxH, at least 320x240\n", o->size);
      throw Exit{2};
    }
    // 0 (not given) takes the monitor's; NaN and out-of-range values are refused, not clamped.
    if (o->scale != 0 && !(o->scale >= 0.5 && o->scale <= 4)) {
      fmt::print(std::cerr, "error: --scale {}: expected a UI scale from 0.5 to 4 (1 = 96 dpi)\n", o->scale);
      throw Exit{2};
    }
    g.scale = static_cast<float>(o->scale);
    throw Exit{gui::run_gui(g, std::cerr)};
#else
    fmt::print(std::cerr, "error: ledlab was built without the dashboard (configure with -DLEDLAB_BUILD_GUI=ON)\n");
    throw Exit{2};
#endif
  });
}

}  // namespace ledlab::cli
