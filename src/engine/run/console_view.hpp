#pragma once
// How `ledlab run` shows a run on its output. On a terminal: one status line redrawn in place
// (a bar, percent, step, ETA and state) with log lines scrolling above it. Otherwise (a log
// file, a pipe, a test): plain lines, one per progress() call, so the file reads in order.
#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace ledlab::engine {

// "42 s", "3 min 12 s", "2 h 05 min", "3 d 04 h"
std::string format_duration(double seconds);

class ConsoleView {
 public:
  ConsoleView(std::ostream& out, bool terminal, int width = 100);

  // A line that stays (log text, warnings, state changes).
  void line(std::string_view text);
  // The script's progress(fraction, text). ETA is projected from the wall time spent running
  // (paused and suspended time does not count).
  void progress(double fraction, std::string_view step);
  // running | paused | suspended | ...; time outside "running" stops the ETA's clock.
  void state(std::string_view state);
  // Clears the status line before the summary.
  void finish();

  std::optional<double> eta_s() const;
  double fraction() const { return fraction_; }
  const std::string& step() const { return step_; }
  double active_s() const;

 private:
  using clock = std::chrono::steady_clock;
  void redraw();
  void clear_status();

  std::ostream& out_;
  bool terminal_;
  int width_;
  double fraction_ = 0;
  std::string step_;
  std::string state_ = "running";
  double active_before_s_ = 0;  // running time before the current stretch
  std::optional<clock::time_point> running_since_ = clock::now();
  bool status_shown_ = false;
};

}  // namespace ledlab::engine
