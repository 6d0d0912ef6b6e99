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
                                                                  std::string bind_address, Vxi11Serving vxi11) {
  auto bench_config = bench_config_from_json(station.bench, station.source);
  if (!bench_config) return fail(bench_config.error());
  auto duts = simulated_dut_count(station, station.bench);
  if (!duts) return fail(duts.error());
  bench_config->duts = *duts;
  std::unique_ptr<SimulatedStation> self(new SimulatedStation);
  self->clock_ = clock;
  self->io_ = &io;
  self->bench_ = std::make_shared<sim::Bench>(*bench_config, clock);
  auto wiring = wiring_from_sockets(station, *self->bench_);
  if (!wiring) return fail(wiring.error());
  self->wiring_ = *wiring;
  for (auto& inst : station.instruments) {
    auto address = io::parse_address(inst.address);
    if (!address) return fail(address.error().at(inst.name));
    auto device = instruments::TwinRegistry::instance().make({inst, self->bench_, clock, self->wiring_, self->log_});
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
    if (address->kind == io::Address::Kind::serial) {
      if (auto st = self->attach_serial(inst, *address, std::move(*device)); !st) return fail(st.error());
      continue;
    }
    if (address->kind == io::Address::Kind::modbus_tcp || address->kind == io::Address::Kind::modbus_rtu) {
      auto twin = serve_modbus_twin(io, station.source, inst.name, *address, std::move(*device), clock,
                                    ports == Ports::any_free ? std::uint16_t{0} : address->port, bind_address);
      if (!twin) return fail(twin.error());
      inst.address = twin->address;
      self->modbus_twins_.push_back(std::move(*twin));
      continue;
    }
    if (address->kind == io::Address::Kind::vxi11) {
      self->vxi11_devices_.emplace_back(inst.name, std::move(*device));  // served by serve_vxi11 below
      continue;
    }
    if (address->kind == io::Address::Kind::hislip) {
      if (auto st = self->attach_hislip(inst, *address, std::move(*device), ports, bind_address, station.source); !st) return fail(st.error());
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
  if (auto st = self->serve_vxi11(ports, bind_address, vxi11); !st) return fail(st.error());
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
  for (auto& [name, server] : serial_servers_) server->stop();
  for (auto& twin : modbus_twins_) twin.stop();
  if (vxi11_) vxi11_->stop();
  for (auto& [port, server] : hislip_servers_) server->stop();
}

std::shared_ptr<scpi::server::Device> SimulatedStation::device(std::string_view instrument) const {
  for (const auto& [name, server] : servers_)
    if (name == instrument) return std::shared_ptr<scpi::server::Device>(server, &server->device());
  for (const auto& [name, device] : usb_devices_)
    if (name == instrument) return device;
  if (auto serial = serial_server(instrument)) return std::shared_ptr<scpi::server::Device>(serial, &serial->device());
  for (const auto& twin : modbus_twins_)
    if (twin.instrument == instrument) return twin.device;
  for (const auto& [name, device] : vxi11_devices_)
    if (name == instrument) return device;
  for (const auto& [name, device] : hislip_devices_)
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

namespace ledlab::engine {

Result<int> simulated_dut_count(const StationConfig& station, const nlohmann::json& bench) {
  int highest = -1;
  const SocketConfig* at_highest = nullptr;
  for (const auto& socket : station.sockets)
    if (socket.bench_dut > highest) highest = socket.bench_dut, at_highest = &socket;
  if (!bench.is_object() || !bench.contains("duts")) return std::max(highest + 1, 1);
  const int duts = bench["duts"].is_number_integer() ? bench["duts"].get<int>() : 1;
  if (at_highest && highest >= duts)
    return fail(Errc::config, fmt::format("{}: sockets.{}.sim_dut: {} is not on the bench's {} DUTs (bench.duts)",
                                          station.source, at_highest->name, highest, duts));
  return duts;
}

namespace {

std::size_t bench_lane(const sim::Bench& bench, const SocketConfig& socket, int lane) {
  return static_cast<std::size_t>(socket.bench_dut) * bench.lanes_per_dut() + static_cast<std::size_t>(lane - 1);
}

Status wire_role(sim::Wiring& wiring, const StationConfig& station, const sim::Bench& bench,
                 const SocketConfig& socket, const RoleMap& role) {
  const std::string where = fmt::format("{}: sockets.{}.{}", station.source, socket.name, role.role);
  const auto* inst = station.find(role.instrument);
  if (!inst) return fail(Errc::config, fmt::format("{}: no instrument '{}'", where, role.instrument));
  const int lanes = socket.lane_count();
  if (inst->kind == "thermal_chamber") return {};
  if (!role.optical_switch.empty()) {
    if (role.switch_inputs.size() != static_cast<std::size_t>(lanes))
      return fail(Errc::config, fmt::format("{}: switch_inputs lists {} inputs for {} lanes", where,
                                            role.switch_inputs.size(), lanes));
    if (!role.channels.empty() && role.channels.size() != role.switch_outputs.size())
      return fail(Errc::config, fmt::format("{}: {} channels for {} switch_outputs", where, role.channels.size(),
                                            role.switch_outputs.size()));
    for (int n = 1; n <= lanes; ++n)
      wiring.connect_switch_input(role.optical_switch, role.switch_inputs[static_cast<std::size_t>(n - 1)],
                                  bench_lane(bench, socket, n));
    for (std::size_t k = 0; k < role.switch_outputs.size(); ++k)
      wiring.connect_switch_output(role.instrument, role.channels.empty() ? static_cast<int>(k + 1) : role.channels[k],
                                   role.optical_switch, role.switch_outputs[k]);
    return {};
  }
  if (role.channels.empty() && inst->kind == "pattern_generator") {
    std::vector<std::size_t> served;
    for (int n = 1; n <= lanes; ++n) served.push_back(bench_lane(bench, socket, n));
    wiring.serve_lanes(role.instrument, served);
    return {};
  }
  if (!role.channels.empty() && role.channels.size() != static_cast<std::size_t>(lanes))
    return fail(Errc::config, fmt::format("{}: channels lists {} channels for {} lanes", where, role.channels.size(), lanes));
  for (int n = 1; n <= lanes; ++n)
    wiring.connect_lane(role.instrument, role.channels.empty() ? n : role.channels[static_cast<std::size_t>(n - 1)],
                        bench_lane(bench, socket, n));
  return {};
}

}  // namespace

Result<std::shared_ptr<sim::Wiring>> wiring_from_sockets(const StationConfig& station, const sim::Bench& bench) {
  if (station.sockets.empty()) return std::shared_ptr<sim::Wiring>{};
  auto wiring = std::make_shared<sim::Wiring>();
  for (const auto& socket : station.sockets) {
    if (socket.bench_dut < 0 || socket.bench_dut >= bench.dut_count())
      return fail(Errc::config, fmt::format("{}: sockets.{}.sim_dut: {} is not on the bench's {} DUTs", station.source,
                                            socket.name, socket.bench_dut, bench.dut_count()));
    if (socket.lane_count() < 1 || static_cast<std::size_t>(socket.lane_count()) > bench.lanes_per_dut())
      return fail(Errc::config, fmt::format("{}: sockets.{}: {} x {} lanes do not fit the bench's arrays of {} lanes "
                                            "([bench.array] rows x cols)", station.source, socket.name, socket.rows,
                                            socket.cols, bench.lanes_per_dut()));
    for (const auto& role : socket.roles)
      if (auto st = wire_role(*wiring, station, bench, socket, role); !st) return fail(st.error());
  }
  return wiring;
}

}  // namespace ledlab::engine
