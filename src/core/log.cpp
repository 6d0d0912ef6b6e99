#include "core/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace ledlab::log {
namespace {
std::atomic<Level> g_level{Level::warn};
std::mutex g_mutex;
constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
}  // namespace

void set_level(Level l) { g_level.store(l); }
Level level() { return g_level.load(std::memory_order_relaxed); }

void write(Level l, std::string_view module, std::string_view text) {
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "[%s] %.*s: %.*s\n", kNames[static_cast<int>(l)], static_cast<int>(module.size()),
               module.data(), static_cast<int>(text.size()), text.data());
}

}  // namespace ledlab::log
