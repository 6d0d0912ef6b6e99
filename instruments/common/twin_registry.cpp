#include "instruments/common/twin_registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ledlab::instruments {

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
