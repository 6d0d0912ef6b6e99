#include "instruments/sim/twin_log.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ledlab::sim {

void TwinLog::add(double time_s, std::string instrument, std::string event) {
  std::lock_guard lock(mutex_);
  entries_.push_back({time_s, std::move(instrument), std::move(event)});
}

std::vector<TwinLogEntry> TwinLog::entries(std::string_view instrument) const {
  std::vector<TwinLogEntry> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_)
      if (instrument.empty() || e.instrument == instrument) out.push_back(e);
  }
  // A gate's end is logged when the twin next looks at it, with the time it ended.
  std::ranges::stable_sort(out, {}, &TwinLogEntry::time_s);
  return out;
}

void TwinLog::clear(std::string_view instrument) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const TwinLogEntry& e) { return instrument.empty() || e.instrument == instrument; });
}

std::string TwinLog::text(std::string_view instrument) const {
  std::string out;
  for (const auto& e : entries(instrument)) out += fmt::format("{:.9f} {}\n", e.time_s, e.event);
  return out;
}

}  // namespace ledlab::sim
