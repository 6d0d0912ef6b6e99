#pragma once
// The dashboard's names for the shared lane colours (src/viz/colormap.hpp: the same viridis
// colours the report's maps).
#include "viz/colormap.hpp"

namespace ledlab::gui {

using viz::catastrophic_colour;
using viz::colormap;
using viz::dead_colour;
using viz::fail_colour;
using viz::lane_colour;
using viz::LaneMark;
using viz::no_data_colour;
using viz::normalise;
using viz::pass_colour;
using viz::Rgb;
using viz::to_string;
using viz::unresolved_colour;

}  // namespace ledlab::gui
