#pragma once
// UTF-8 validation for text that enters the engine from operators and scripts: JSON (RFC 8259
// section 8.1) and the store require UTF-8, and nlohmann::json::dump throws on anything else.
#include <optional>
#include <string>
#include <string_view>

namespace ledlab {

// Empty when `text` is valid UTF-8 (RFC 3629 section 4: no overlong forms, no surrogates,
// nothing above U+10FFFF); otherwise "byte 0xff at offset 3".
std::optional<std::string> utf8_error(std::string_view text);

}  // namespace ledlab
