#include "engine/sim_station.hpp"

#include "core/log.hpp"
#include "engine/bench_settings.hpp"
#include "instruments/common/twin_registry.hpp"
#include "io/address.hpp"

#include <fmt/format.h>

namespace ledlab::engine {

Result<std::unique_ptr<SimulatedStation>> SimulatedStation::start(boost::asio::io_context& io, StationConfig station,
                                                                  std::shared_ptr<Clock> clock, Ports ports,
                                                                  std::string bind_address) {
  auto bench_config = bench_config_from_json(station.bench, station.source);
  if (!bench_config) return fail(bench_config.error());
  std::unique_ptr<SimulatedStation> self(new SimulatedStation);
  self->clock_ = clock;
  self->bench_ = std::make_shared<sim::Bench>(*bench_config, clock);
  for (auto& inst : station.instruments) {
    auto address = io::parse_address(inst.address);
    if (!address) return fail(address.error().at(inst.name));
    if (address->kind != io::Address::Kind::tcp)
      return fail(Errc::config, fmt::format("{}: {}: twins serve raw SCPI over TCP; use a tcp:// or TCPIP0::...::SOCKET "
                                            "address for simulated instruments", station.source, inst.name));
    auto device = instruments::TwinRegistry::instance().make({inst, self->bench_, clock});
    if (!device) return fail(device.error());
    for (const auto& line : station.twin_setup[inst.name]) {
      scpi::server::ConnectionState conn;
      (*device)->execute(line, conn);
      if (!(*device)->status().errors().empty()) {
        auto [code, text] = (*device)->status().errors().pop();
        return fail(Errc::config, fmt::format("{}: instruments.{}.sim_setup: '{}' -> {},\"{}\"", station.source,
                                              inst.name, line, code, text));
      }
    }
    auto server = std::make_shared<scpi::server::Server>(
        io, *device, bind_address, ports == Ports::any_free ? std::uint16_t{0} : address->port, clock);
    try {
      server->start();
    } catch (const boost::system::system_error& e) {
      return fail(Errc::config, fmt::format("{}: cannot serve {} on {}:{}: {}", station.source, inst.name, bind_address,
                                            address->port, e.code().message()));
    }
    inst.address = fmt::format("tcp://{}:{}", bind_address == "0.0.0.0" ? address->host : bind_address, server->port());
    log::info("sim", "{} ({}) on {}", inst.name, inst.kind, inst.address);
    self->servers_.emplace_back(inst.name, server);
  }
  self->station_ = std::move(station);
  return self;
}

SimulatedStation::~SimulatedStation() { stop(); }

void SimulatedStation::stop() {
  for (auto& [name, server] : servers_) server->stop();
}

std::shared_ptr<scpi::server::Device> SimulatedStation::device(std::string_view instrument) const {
  for (const auto& [name, server] : servers_)
    if (name == instrument) return std::shared_ptr<scpi::server::Device>(server, &server->device());
  return nullptr;
}

}  // namespace ledlab::engine
