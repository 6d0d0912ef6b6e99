#pragma once
// One logger, a prefix per module. Library code logs through this, never printf.
#include <fmt/core.h>

#include <string_view>

namespace ledlab::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_level(Level level);
Level level();
void write(Level level, std::string_view module, std::string_view text);

template <class... Args>
void debug(std::string_view module, fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::debug) write(Level::debug, module, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(std::string_view module, fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::info) write(Level::info, module, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(std::string_view module, fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::warn) write(Level::warn, module, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(std::string_view module, fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::error) write(Level::error, module, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace ledlab::log
