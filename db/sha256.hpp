#pragma once
// SHA-256 (FIPS 180-4) of a script text, so a run names exactly the code it ran.
#include <string>
#include <string_view>

namespace ledlab::db {
std::string sha256_hex(std::string_view data);  // 64 lowercase hex digits
}
