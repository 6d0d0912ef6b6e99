#pragma once
// Drivers register themselves next to their code with one line, naming the station-file keys
// their kind reads:
//   LEDLAB_REGISTER_DRIVER(power_meter, power_meter_dialect_names(), make_power_meter, power_meter_keys());
// Nobody edits a central list to add an instrument model.
#include "instruments/common/dialect_identity.hpp"
#include "instruments/common/instrument.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

using DriverFactory = std::function<std::unique_ptr<Instrument>(InstrumentConfig, std::unique_ptr<scpi::Session>)>;

// A number a station file may give an instrument of the kind, under limits = {...} or
// options = {...} (options its simulated twin reads included): the range it must lie in and
// whether it must be whole. A key no kind declares is refused, so a misspelt limit cannot
// silently leave the instrument without one.
struct SettingKey {
  std::string_view table;  // "limits" | "options"
  std::string_view key;    // "max_current_a"
  double min;
  double max;              // min..max, both included unless min_excluded
  bool min_excluded = false;
  bool whole = false;
};

// What is wrong with one setting: "limits" / "max_current_a" / "must be > 0 and <= 10, not nan".
struct SettingProblem {
  std::string table;
  std::string key;
  std::string what;
};

// Checks that need the dialect or several keys at once (a chamber's safe temperature inside
// its range and limits).
using SettingsCheck = std::function<std::optional<SettingProblem>(const InstrumentConfig&)>;

struct DriverInfo {
  std::string kind;
  std::vector<std::string> drivers;  // dialect names the factory accepts; the first is the default
  DriverFactory make;
  std::vector<SettingKey> keys;      // every limit and option the kind reads
  SettingsCheck check = nullptr;
  // The *IDN? patterns of a dialect of `drivers` (dialect_identity.hpp); null: none declared.
  std::function<const DialectIdentity*(std::string_view driver)> identity_of = nullptr;
};

// The setting keys' rules for a config of a registered kind: every value finite, known and in
// its range, whole where it must be, min_X <= max_X, then the kind's own check.
std::optional<SettingProblem> check_settings(const DriverInfo& info, const InstrumentConfig& config);

class DriverRegistry {
 public:
  static DriverRegistry& instance();
  bool add(DriverInfo info);
  const DriverInfo* find(std::string_view kind, std::string_view driver) const;
  // An empty driver name picks the kind's default dialect. Refuses a config whose settings
  // fail check_settings (Errc::config naming the instrument and the key).
  Result<std::unique_ptr<Instrument>> make(InstrumentConfig config, std::unique_ptr<scpi::Session> session) const;
  const std::vector<DriverInfo>& all() const { return drivers_; }
  // The declared identity of a kind's dialect, or null.
  const DialectIdentity* identity_of(std::string_view kind, std::string_view driver) const;
  // "kind/driver" of every dialect, of every kind, whose declared patterns match `id`.
  std::vector<std::string> dialects_matching(const scpi::Identity& id) const;

 private:
  std::vector<DriverInfo> drivers_;
};

// The arguments after the factory: the kind's SettingKey list, optionally its SettingsCheck
// (or nullptr) and its dialects' identities (a function from driver name to DialectIdentity*).
#define LEDLAB_REGISTER_DRIVER(kind, driver_names, factory, ...)     \
  [[maybe_unused]] static const bool ledlab_registered_##kind =     \
      ::ledlab::instruments::DriverRegistry::instance().add({#kind, driver_names, factory, __VA_ARGS__})

}  // namespace ledlab::instruments
