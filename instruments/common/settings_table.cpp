#include "instruments/common/settings_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace ledlab::instruments {

void SettingsTable::declare(DeclaredSetting setting) {
  // Two declarations of one key would record one value and re-apply both: a broken invariant.
  if (std::ranges::any_of(settings_, [&](const DeclaredSetting& s) { return s.key == setting.key; }))
    throw std::logic_error("setting '" + setting.key + "' declared twice");
  settings_.push_back(std::move(setting));
}

nlohmann::json SettingsTable::snapshot() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& s : settings_)
    if (auto v = s.value(); !v.is_discarded()) j[s.key] = std::move(v);
  return j;
}

boost::asio::awaitable<Status> SettingsTable::reapply() const {
  for (const auto& s : settings_) {
    if (!s.reapply || (s.due && !s.due())) continue;
    if (auto st = co_await s.reapply(); !st) co_return st;
  }
  co_return Status{};
}

std::vector<std::string> SettingsTable::keys() const {
  std::vector<std::string> out;
  for (const auto& s : settings_) out.push_back(s.key);
  return out;
}

}  // namespace ledlab::instruments
