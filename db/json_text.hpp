#pragma once
// JSON text for the store and for output. RFC 8259 section 8.1 requires UTF-8, and
// nlohmann::json::dump throws type_error 316 on a string that is not; text from operators,
// scripts and instruments may hold any bytes. So input is checked where it enters
// (utf8_error), and whatever still reaches a dump has each invalid byte replaced with U+FFFD:
// a stray byte costs a character, never the run.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ledlab::db {

std::string json_text(const nlohmann::json& value, int indent = -1);

// Empty when `text` is valid UTF-8 (RFC 3629 section 4: no overlong forms, no surrogates,
// nothing above U+10FFFF); otherwise "byte 0xff at offset 3".
std::optional<std::string> utf8_error(std::string_view text);

}  // namespace ledlab::db
