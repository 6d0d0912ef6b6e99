#include "instruments/common/twin_registry.hpp"

#include "instruments/common/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ledlab::instruments {

scpi::server::Identity twin_identity(const InstrumentConfig& config, scpi::server::Identity own) {
  const DialectIdentity* dialect = DriverRegistry::instance().identity_of(config.kind, config.driver);
  if (!dialect || dialect->sample.empty()) return own;
  const scpi::Identity as_read{own.manufacturer, own.model, own.serial, own.firmware, {}};
  if (matches(*dialect, as_read)) return own;
  auto sample = scpi::parse_identity(dialect->sample);
  if (!sample) return own;  // a malformed sample is the dialect-table test's to report
  return {sample->manufacturer, sample->model, own.serial, sample->firmware};
}

TwinRegistry& TwinRegistry::instance() {
  static TwinRegistry registry;
  return registry;
}

bool TwinRegistry::add(std::string kind, TwinFactory factory) {
  twins_.emplace_back(std::move(kind), std::move(factory));
  return true;
}

Result<std::shared_ptr<scpi::server::Device>> TwinRegistry::make(const TwinContext& context) const {
  for (const auto& [kind, factory] : twins_)
    if (kind == context.config.kind) return factory(context);
  return fail(Errc::config, fmt::format("{}: no simulated twin for kind '{}' (have: {})", context.config.name,
                                        context.config.kind, fmt::join(kinds(), ", ")));
}

std::vector<std::string> TwinRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [kind, factory] : twins_) out.push_back(kind);
  return out;
}

}  // namespace ledlab::instruments
