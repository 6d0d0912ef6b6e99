#include "instruments/sim/twin_log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

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

std::vector<TwinLog::Gate> TwinLog::gates(std::string_view bert) const {
  std::vector<Gate> out;
  bool open = false;
  for (const auto& e : entries(bert)) {
    if (e.event.starts_with("GATE ON")) {
      // A new gate ends the one before it (the twin restarts the counts).
      if (open) out.back().end_s = e.time_s;
      out.push_back({e.time_s, std::numeric_limits<double>::infinity()});
      open = true;
    } else if (open && (e.event == "GATE END" || e.event == "GATE OFF")) {
      out.back().end_s = e.time_s;
      open = false;
    }
  }
  return out;
}

namespace {
// "17!2" -> {17, 2}
std::pair<int, int> route_of(std::string_view text) {
  int in = 0, out = 0;
  const auto bang = text.find('!');
  if (bang == std::string_view::npos) return {0, 0};
  std::from_chars(text.data(), text.data() + bang, in);
  std::from_chars(text.data() + bang + 1, text.data() + text.size(), out);
  return {in, out};
}
}  // namespace

std::map<int, int> TwinLog::routes_at(std::string_view optical_switch, double time_s) const {
  std::map<int, int> routes;
  for (const auto& e : entries(optical_switch)) {
    if (e.time_s > time_s) break;
    if (e.event == "OPEN ALL") {
      routes.clear();
    } else if (e.event.starts_with("ROUTE ")) {
      const auto [in, out] = route_of(std::string_view(e.event).substr(6));
      std::erase_if(routes, [&](const auto& r) { return r.first == out || r.second == in; });
      routes[out] = in;
    } else if (e.event.starts_with("OPEN ")) {
      routes.erase(route_of(std::string_view(e.event).substr(5)).second);
    }
  }
  return routes;
}

}  // namespace ledlab::sim
