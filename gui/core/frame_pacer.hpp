#pragma once
// When the dashboard's render thread builds and draws a frame. Building one (ImGui, well under
// a millisecond) happens on input, when the data thread publishes a model, and at the idle
// timeout; drawing it (OpenGL and the buffer swap: the expensive part, above all under software
// GL) only when its draw data differ from the frame on screen or the window must be repainted.
// An idle dashboard therefore sleeps in the event wait and costs next to nothing. Pure logic on
// the caller's clock, so that it is tested without a display.
#include <cstdint>

namespace ledlab::gui {

struct PacingOptions {
  double idle_timeout_s = 0.5;      // longest sleep without input or a wake-up (a safety net: the data thread wakes us)
  double min_frame_s = 1.0 / 60;    // fastest frame rate while input streams in
  int frames_after_input = 3;       // ImGui settles hover, popups and button releases over the next frames
  bool always_draw = false;         // headless screenshots read every frame back
};

class FramePacer {
 public:
  explicit FramePacer(PacingOptions options = {}) : options_(options) {}

  // An input event arrived (key, mouse, scroll, focus).
  void input();
  // The window was exposed or resized: the next frame is drawn even if it looks the same.
  void expose() { exposed_ = true; }
  // The caller wants the next frame at once (headless: frames back to back once the run shows).
  void request_frame() { owed_ = owed_ > 0 ? owed_ : 1; }

  // How long the loop may sleep waiting for events before it builds the next frame; 0: now.
  double wait_s(double now_s) const;
  // A frame was built at `now_s`; `fingerprint` stands for its draw data. Returns whether to
  // draw and present it.
  bool built(double now_s, std::uint64_t fingerprint);

  std::uint64_t frames_built() const { return built_; }
  std::uint64_t frames_drawn() const { return drawn_; }
  const PacingOptions& options() const { return options_; }

 private:
  PacingOptions options_;
  int owed_ = 1;  // frames to build without sleeping (the first one, after input, to let a changed layout settle)
  bool exposed_ = true;  // nothing is on screen yet
  std::uint64_t shown_ = 0;  // fingerprint of the frame on screen
  double last_built_s_ = -1e300;
  std::uint64_t built_ = 0, drawn_ = 0;
};

}  // namespace ledlab::gui
