#pragma once
// Settings declared once. A driver declares each of its settings in one place: the key it has
// in the run's provenance, its unit, the dialect command that sends it, the cached value (what
// the driver last applied) and how it is sent again after a lost link. settings() and
// reapply_settings() are both derived from the declarations, in declaration order, so a
// setting cannot be re-applied without being recorded, or recorded without being re-applied.
//
// The re-apply goes through the driver's own setter (or its apply step), so every safety limit
// stays in the driver and is checked again on the way back to the instrument.
#include "core/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

struct DeclaredSetting {
  std::string key;           // provenance key: "wavelength_nm"
  std::string unit;          // "nm", "C/min"; empty for words, counts and flags
  std::string_view command;  // the dialect format that sends it; empty: a fact, not a command
  // The cached value (null when never set; a discarded json leaves the key out of settings()).
  std::function<nlohmann::json()> value;
  // Sends the cached value again; null for facts (driver, channel count) that are recorded only.
  std::function<boost::asio::awaitable<Status>()> reapply = nullptr;
  // Whether reapply is due now (e.g. only once the setting was made); null: always.
  std::function<bool()> due = nullptr;
};

class SettingsTable {
 public:
  // Declares a setting; keys are unique (a second declaration of a key is a driver bug).
  void declare(DeclaredSetting setting);
  // A setting whose cached value is `member` (optional or plain; json-convertible).
  template <class T>
  void declare_value(std::string key, std::string unit, std::string_view command, const T& member,
                     std::function<boost::asio::awaitable<Status>()> reapply = nullptr,
                     std::function<bool()> due = nullptr) {
    declare({std::move(key), std::move(unit), command, [&member] { return to_json_value(member); },
             std::move(reapply), std::move(due)});
  }

  // {key: cached value} of every declaration: the driver's settings() for provenance.
  nlohmann::json snapshot() const;
  // Re-sends every due setting in declaration order; the first failure ends it.
  boost::asio::awaitable<Status> reapply() const;

  const std::vector<DeclaredSetting>& all() const { return settings_; }
  std::vector<std::string> keys() const;

 private:
  template <class T>
  static nlohmann::json to_json_value(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  }
  template <class T>
  static nlohmann::json to_json_value(const T& v) {
    return nlohmann::json(v);
  }

  std::vector<DeclaredSetting> settings_;
};

}  // namespace ledlab::instruments
