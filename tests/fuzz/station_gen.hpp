#pragma once
// A station file (TOML) generated from bytes for the station fuzz target: every table and key
// parse_station reads, with values at, just past and far beyond each range, NaN, infinities
// and wrong types.
#include <string>
#include <string_view>

namespace ledlab::fuzz {

std::string generated_station(std::string_view bytes);

}  // namespace ledlab::fuzz
