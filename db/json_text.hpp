#pragma once
// JSON text for the store and for output. RFC 8259 section 8.1 requires UTF-8, and
// nlohmann::json::dump throws type_error 316 on a string that is not; text from operators,
// scripts and instruments may hold any bytes. So input is checked where it enters
// (utf8_error), and whatever still reaches a dump has each invalid byte replaced with U+FFFD:
// a stray byte costs a character, never the run.
#include "core/utf8.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ledlab::db {

std::string json_text(const nlohmann::json& value, int indent = -1);

// core/utf8.hpp: empty when `text` is valid UTF-8, otherwise "byte 0xff at offset 3".
using ledlab::utf8_error;

}  // namespace ledlab::db
