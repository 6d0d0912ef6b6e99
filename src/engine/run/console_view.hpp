#pragma once
// How `ledlab run` shows a run on its output. On a terminal: one status line redrawn in place
// (a bar, percent, step, ETA and state) with log lines scrolling above it. Otherwise (a log
// file, a pipe, a test): plain lines, one per progress() call, so the file reads in order.
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace ledlab::engine {

// "42 s", "3 min 12 s", "2 h 05 min", "3 d 04 h"
std::string format_duration(double seconds);

class ConsoleView {
 public:
  // Monotonic seconds; the default reads std::chrono::steady_clock (tests pass their own).
  using Clock = std::function<double()>;

  // An ETA is projected once the run has made measurable progress: at least this fraction
  // done after at least this much running time. Before that a projection is noise: a first
  // step that took a while over a tiny fraction projected "1106 d 12 h" at the start.
  static constexpr double kEtaMinFraction = 0.01;
  static constexpr double kEtaMinActiveS = 10.0;

  ConsoleView(std::ostream& out, bool terminal, int width = 100, Clock clock = {});

  // A line that stays (log text, warnings, state changes).
  void line(std::string_view text);
  // The script's progress(fraction, text). ETA is projected from the wall time spent running
  // (paused and suspended time does not count) up to this call.
  void progress(double fraction, std::string_view step);
  // running | paused | suspended | ...; time outside "running" stops the ETA's clock.
  void state(std::string_view state);
  // Clears the status line before the summary.
  void finish();
  // Put before every line and plain progress line: "[A] " for the socket of a batch, whose runs
  // share one output.
  void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }

  // Running seconds still to go: the pace up to the last progress() call, less the running
  // time since. None until progress is measurable (kEtaMinFraction, kEtaMinActiveS); 0 when done.
  std::optional<double> eta_s() const;
  double fraction() const { return fraction_; }
  const std::string& step() const { return step_; }
  double active_s() const;

 private:
  void redraw();
  void clear_status();

  std::ostream& out_;
  bool terminal_;
  int width_;
  Clock clock_;
  double fraction_ = 0;
  double progress_active_s_ = 0;  // running time at the last progress() call
  std::string step_;
  std::string state_ = "running";
  double active_before_s_ = 0;  // running time before the current stretch
  std::optional<double> running_since_s_;
  bool status_shown_ = false;
  std::string prefix_;
};

}  // namespace ledlab::engine
