#include "gui/core/frame_pacer.hpp"

#include <algorithm>

namespace ledlab::gui {

void FramePacer::input() { owed_ = std::max(owed_, options_.frames_after_input); }

double FramePacer::wait_s(double now_s) const {
  if (owed_ > 0) return std::max(0.0, last_built_s_ + options_.min_frame_s - now_s);
  return options_.idle_timeout_s;
}

bool FramePacer::built(double now_s, std::uint64_t fingerprint) {
  ++built_;
  last_built_s_ = now_s;
  // A frame built without frames owed was woken by a new model or the timeout.
  const bool woken = owed_ == 0;
  if (owed_ > 0) --owed_;
  const bool changed = fingerprint != shown_;
  if (!options_.always_draw && !exposed_ && !changed) return false;
  ++drawn_;
  shown_ = fingerprint;
  exposed_ = false;
  // ImGui sizes some things (tables, auto-sized text) from the previous frame: a frame that
  // changed is built once more, and drawn again only if that changed it further. One look,
  // not a chain, so that a frame which changes every time is drawn at the wake-up rate.
  if (woken && changed) owed_ = std::max(owed_, 1);
  return true;
}

}  // namespace ledlab::gui
