#include "viz/clip.hpp"

#include <array>
#include <cmath>

namespace ledlab::viz {

std::optional<Segment> clip(Segment s, Box box) {
  if (!std::isfinite(s.a.x) || !std::isfinite(s.a.y) || !std::isfinite(s.b.x) || !std::isfinite(s.b.y)) return std::nullopt;
  const double dx = s.b.x - s.a.x, dy = s.b.y - s.a.y;
  double t0 = 0, t1 = 1;
  // For each edge: p = the direction's component towards the outside, q = the distance inside.
  const std::array<std::array<double, 2>, 4> edges{{{-dx, s.a.x - box.x0}, {dx, box.x1 - s.a.x}, {-dy, s.a.y - box.y0}, {dy, box.y1 - s.a.y}}};
  for (const auto& [p, q] : edges) {
    if (p == 0) {
      if (q < 0) return std::nullopt;  // parallel to this edge and outside it
      continue;
    }
    const double t = q / p;
    if (p < 0) {
      if (t > t1) return std::nullopt;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return std::nullopt;
      if (t < t1) t1 = t;
    }
  }
  return Segment{{s.a.x + t0 * dx, s.a.y + t0 * dy}, {s.a.x + t1 * dx, s.a.y + t1 * dy}};
}

}  // namespace ledlab::viz
