#pragma once
// The dashboard's names for the shared axis ticks and value labels (src/viz/ticks.hpp: the
// same code draws the report's axes).
#include "viz/ticks.hpp"

namespace ledlab::gui {

using viz::AxisUnit;
using viz::axis_unit;
using viz::format_value;
using viz::linear_ticks;
using viz::log_tick_style;
using viz::log_ticks;
using viz::nice_step;
using viz::Prefix;
using viz::si_prefix;
using viz::Tick;
using viz::TickStyle;

}  // namespace ledlab::gui
