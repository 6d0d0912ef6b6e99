#pragma once
// The [bench] table of a station file -> the simulated bench's physics parameters.
#include "core/error.hpp"
#include "instruments/sim/bench_config.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace ledlab::engine {

Result<sim::BenchConfig> bench_config_from_json(const nlohmann::json& bench, std::string_view source);
std::vector<std::string> bench_parameter_names();  // "array.rows", "chamber.time_constant_s", ...

}  // namespace ledlab::engine
