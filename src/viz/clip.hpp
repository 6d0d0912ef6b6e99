#pragma once
// Line segments clipped to a plot's area, so that a line between two samples outside the view
// (a plot zoomed in between them) still crosses it, and a sample far outside does not send
// huge coordinates to the renderer.
#include <optional>

namespace ledlab::viz {

struct Point {
  double x = 0, y = 0;
};
struct Segment {
  Point a, b;
};
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // x0 <= x1, y0 <= y1
};

// The part of `s` inside `box` (edges included), or nullopt when it misses the box or has a
// non-finite end (Liang and Barsky's parametric clipping, 1984).
std::optional<Segment> clip(Segment s, Box box);

}  // namespace ledlab::viz
