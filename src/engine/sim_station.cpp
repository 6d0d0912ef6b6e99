#include "engine/sim_station.hpp"

#include "core/log.hpp"
#include "engine/bench_settings.hpp"
#include "instruments/common/twin_registry.hpp"
#include "io/address.hpp"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace ledlab::engine {

Result<std::unique_ptr<SimulatedStation>> SimulatedStation::start(boost::asio::io_context& io, StationConfig station,
                                                                  std::shared_ptr<Clock> clock, Ports ports,
                                                                  std::string bind_address) {
  auto bench_config = bench_config_from_json(station.bench, station.source);
  if (!bench_config) return fail(bench_config.error());
  std::unique_ptr<SimulatedStation> self(new SimulatedStation);
  self->clock_ = clock;
  self->io_ = &io;
  self->bench_ = std::make_shared<sim::Bench>(*bench_config, clock);
  for (auto& inst : station.instruments) {
    auto address = io::parse_address(inst.address);
    if (!address) return fail(address.error().at(inst.name));
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
    if (address->kind == io::Address::Kind::usbtmc) {
      // Without a serial an address takes the first match: two twins behind one VID:PID would
      // both be reached through the first.
      for (const auto& other : station.instruments) {
        auto o = io::parse_address(other.address);
        if (&other != &inst && o && o->kind == io::Address::Kind::usbtmc && o->vendor_id == address->vendor_id &&
            o->product_id == address->product_id && (o->serial.empty() || address->serial.empty() || o->serial == address->serial))
          return fail(Errc::config, fmt::format("{}: {} and {} are both {:04x}:{:04x} on USB: give each its own serial "
                                                "(usbtmc://VID:PID/SERIAL)", station.source, inst.name, other.name,
                                                address->vendor_id, address->product_id));
      }
      self->attach_usb(inst, *address, std::move(*device));
      continue;
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
  if (self->usb_bus_) io::usb::install_simulated_bus(self->usb_bus_);
  return self;
}

void SimulatedStation::attach_usb(const instruments::InstrumentConfig& inst, const io::Address& address,
                                  std::shared_ptr<scpi::server::Device> device) {
  if (!usb_bus_) usb_bus_ = std::make_shared<scpi::server::UsbBus>(clock_);
  // The address may leave the serial out (first match); the twin then gets one of its own.
  const std::string serial = address.serial.empty() ? "SIM-" + inst.name : address.serial;
  usb_bus_->attach(device, address.vendor_id, address.product_id, serial);
  log::info("sim", "{} ({}) on the simulated USB bus as {} (serial {})", inst.name, inst.kind, address.canonical(), serial);
  usb_devices_.emplace_back(inst.name, std::move(device));
}

SimulatedStation::~SimulatedStation() {
  stop();
  if (usb_bus_) io::usb::remove_simulated_bus(usb_bus_.get());
}

void SimulatedStation::stop() {
  for (auto& [name, server] : servers_) server->stop();
}

std::shared_ptr<scpi::server::Device> SimulatedStation::device(std::string_view instrument) const {
  for (const auto& [name, server] : servers_)
    if (name == instrument) return std::shared_ptr<scpi::server::Device>(server, &server->device());
  for (const auto& [name, device] : usb_devices_)
    if (name == instrument) return device;
  return nullptr;
}

bool SimulatedStation::has_usb_twins() const { return usb_bus_ != nullptr; }

Status SimulatedStation::inject(std::string_view instrument, std::string line) {
  for (std::size_t i = 0; i < usb_devices_.size(); ++i)
    if (usb_devices_[i].first == instrument) {
      usb_bus_->execute(i, line);
      return {};
    }
  auto device = this->device(instrument);
  if (!device) return fail(Errc::invalid_argument, fmt::format("no simulated instrument '{}'", instrument));
  boost::asio::post(*io_, [device, line = std::move(line)] {
    scpi::server::ConnectionState state;
    (void)device->execute(line, state);
  });
  return {};
}

}  // namespace ledlab::engine
