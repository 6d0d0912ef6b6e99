#include "engine/station.hpp"

#include "instruments/common/registry.hpp"
#include "io/link.hpp"

namespace ledlab::engine {

Result<std::unique_ptr<Station>> Station::create(const StationConfig& config, boost::asio::any_io_executor executor,
                                                 std::shared_ptr<Clock> clock) {
  auto station = std::make_unique<Station>();
  station->config_ = config;
  for (const auto& inst : config.instruments) {
    auto address = io::parse_address(inst.address);
    if (!address) return fail(address.error().at(inst.name));
    auto link = io::make_link(*address, executor);
    if (!link) return fail(link.error().at(inst.name));
    auto session = std::make_unique<scpi::Session>(inst.name, std::move(*link), inst.session);
    auto driver = instruments::DriverRegistry::instance().make(inst, std::move(session));
    if (!driver) return fail(driver.error());
    if (clock) (*driver)->set_clock(clock);
    station->instruments_.push_back(std::move(*driver));
  }
  return station;
}

instruments::Instrument* Station::find(std::string_view name) const {
  for (const auto& i : instruments_)
    if (i->name() == name) return i.get();
  return nullptr;
}

}  // namespace ledlab::engine
