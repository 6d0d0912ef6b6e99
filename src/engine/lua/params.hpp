#pragma once
// Declared sequence parameters. A script declares them once, at the top:
//
//   local p = params {
//     temps    = { type = "list",   default = {25, 55, 85}, unit = "C", description = "..." },
//     bit_rate = { type = "number", default = 2e9, unit = "Hz" },
//     dut      = { type = "string", default = "x" },
//     dry_run  = { type = "boolean", default = false },
//   }
//
// and gets back a table of values: the defaults, with the CLI overrides (`-p temps=25,55`)
// applied. Types: number, integer, string, boolean, list (a list of numbers, written
// "25,55,85" on the command line).
#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::lua {

struct ParamDecl {
  std::string name;
  std::string type;  // number | integer | string | boolean | list
  nlohmann::json default_value;
  std::string unit;
  std::string description;
};

using Overrides = std::map<std::string, std::string, std::less<>>;

// Parses the table given to params{} (as JSON, keyed by parameter name), sorted by name.
Result<std::vector<ParamDecl>> parse_declarations(const nlohmann::json& table);

// Parses one command-line value for `decl`:
// "parameter temps: '25,x' is not a list of numbers".
Result<nlohmann::json> parse_override(const ParamDecl& decl, std::string_view text);

// The defaults with `overrides` applied, as a JSON object keyed by name. An override for a
// name that is not declared is an error that lists the declared names.
Result<nlohmann::json> resolve_parameters(const std::vector<ParamDecl>& decls, const Overrides& overrides);

}  // namespace ledlab::lua
