#pragma once
// Numbers as a person reads them on a terminal.
#include <string>

namespace ledlab {

// `value` with `decimals` digits after the point ("24.90"). A value that rounds to zero prints
// without a sign: the dark reading -3e-12 W is "0.00" uW, never "-0.00", whose sign claims a
// direction the digits shown cannot support.
std::string fixed(double value, int decimals);

}  // namespace ledlab
