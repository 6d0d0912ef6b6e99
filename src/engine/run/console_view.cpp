#include "engine/run/console_view.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace ledlab::engine {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto total = static_cast<long long>(std::llround(s));
  if (total < 60) return fmt::format("{} s", total);
  if (total < 3600) return fmt::format("{} min {:02} s", total / 60, total % 60);
  if (total < 86400) return fmt::format("{} h {:02} min", total / 3600, (total % 3600) / 60);
  return fmt::format("{} d {:02} h", total / 86400, (total % 86400) / 3600);
}

namespace {

double steady_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

ConsoleView::ConsoleView(std::ostream& out, bool terminal, int width, Clock clock)
    : out_(out), terminal_(terminal), width_(std::max(width, 40)), clock_(clock ? std::move(clock) : Clock(steady_s)),
      running_since_s_(clock_()) {}

double ConsoleView::active_s() const {
  double s = active_before_s_;
  if (running_since_s_) s += clock_() - *running_since_s_;
  return s;
}

std::optional<double> ConsoleView::eta_s() const {
  if (fraction_ >= 1.0) return 0.0;
  if (!(fraction_ >= kEtaMinFraction) || !(progress_active_s_ >= kEtaMinActiveS)) return std::nullopt;
  const double to_go = progress_active_s_ * (1.0 - fraction_) / fraction_ - (active_s() - progress_active_s_);
  return std::max(to_go, 0.0);
}

void ConsoleView::clear_status() {
  if (!terminal_ || !status_shown_) return;
  fmt::print(out_, "\r\033[2K");
  status_shown_ = false;
}

void ConsoleView::line(std::string_view text) {
  clear_status();
  fmt::print(out_, "{}{}\n", prefix_, text);
  redraw();
  out_.flush();
}

void ConsoleView::progress(double fraction, std::string_view step) {
  fraction_ = std::clamp(fraction, 0.0, 1.0);
  progress_active_s_ = active_s();
  step_ = step;
  if (terminal_) {
    redraw();
  } else {
    const auto eta = eta_s();
    fmt::print(out_, "{}[{:3.0f}%] {}{}\n", prefix_, fraction_ * 100, step_,
               eta && fraction_ < 1.0 ? fmt::format(" (ETA {})", format_duration(*eta)) : "");
  }
  out_.flush();
}

void ConsoleView::state(std::string_view state) {
  const bool was_running = running_since_s_.has_value();
  const bool running = state == "running";
  if (was_running && !running) {
    active_before_s_ += clock_() - *running_since_s_;
    running_since_s_.reset();
  } else if (!was_running && running) {
    running_since_s_ = clock_();
  }
  state_ = state;
  redraw();
  out_.flush();
}

void ConsoleView::redraw() {
  if (!terminal_) return;
  const auto eta = eta_s();
  // A run that waits on a person has no ETA to give: when it goes on is theirs to say.
  const std::string eta_text = state_ == "waiting for operator" ? std::string("waits for the operator")
                               : eta                            ? format_duration(*eta)
                                                                : std::string("--");
  const std::string tail = fmt::format(" {:3.0f}%  ETA {}  [{}]  ", fraction_ * 100, eta_text, state_);
  constexpr int kBar = 24;
  const int filled = static_cast<int>(std::lround(fraction_ * kBar));
  std::string text = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                     std::string(static_cast<std::size_t>(kBar - filled), '.') + "]" + tail + step_;
  if (static_cast<int>(text.size()) > width_ - 1) text.resize(static_cast<std::size_t>(width_ - 1));
  fmt::print(out_, "\r\033[2K{}", text);
  status_shown_ = true;
}

void ConsoleView::finish() {
  clear_status();
  out_.flush();
}

}  // namespace ledlab::engine
