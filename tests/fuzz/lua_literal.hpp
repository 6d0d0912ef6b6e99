#pragma once
// Lua source text for JSON values, so a fuzz target can hand a script exactly the values it
// checks against (a float stays a float, every byte of a string survives).
#include "engine/lua/params.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ledlab::fuzz {

// A Lua expression for `value`: NaN as (0/0), infinities as math.huge, floats with a decimal
// point or exponent, strings with every unusual byte as \ddd, objects with ["key"] = value.
std::string lua_literal(const nlohmann::json& value);

// The table a script passes to params{} for `decls`.
std::string declarations_literal(const std::vector<lua::ParamDecl>& decls);

}  // namespace ledlab::fuzz
