#include "engine/sim_modbus.hpp"

#include "core/log.hpp"
#include "io/modbus/register_map.hpp"
#include "io/modbus/rtu_transport.hpp"
#include "scpi/server/modbus_rtu_server.hpp"
#include "scpi/server/modbus_server.hpp"

#include <fmt/format.h>

namespace ledlab::engine {

Result<ModbusTwin> serve_modbus_twin(boost::asio::io_context& io, const std::string& source, const std::string& instrument,
                                     const io::Address& address, std::shared_ptr<scpi::server::Device> device,
                                     std::shared_ptr<Clock> clock, std::uint16_t port, const std::string& bind_address) {
  auto map = io::modbus::load_register_map(address.modbus_map);
  if (!map) return fail(Errc::config, fmt::format("{}: instruments.{}.address: {}", source, instrument, map.error().message));
  ModbusTwin twin;
  twin.instrument = instrument;
  twin.device = device;
  if (address.kind == io::Address::Kind::modbus_rtu) {
    auto line = io::modbus::rtu_settings(address.modbus_device, address.modbus_serial_options);
    if (!line) return fail(Errc::config, fmt::format("{}: instruments.{}.address: {}", source, instrument, line.error().message));
    auto server = std::make_shared<scpi::server::ModbusRtuServer>(io, device, std::move(*map), address.modbus_unit,
                                                                  std::move(*line), std::move(clock));
    if (auto st = server->start(); !st)
      return fail(Errc::config, fmt::format("{}: cannot serve {} over Modbus RTU on a pseudo-terminal: {}", source,
                                            instrument, st.error().message));
    io::Address served = address;
    served.modbus_device = server->path();  // the line settings stay as written: the twin reads with them
    twin.address = served.canonical();
    twin.stop = [server] { server->stop(); };
    log::info("sim", "{} on {} (Modbus RTU twin)", instrument, twin.address);
    return twin;
  }
  auto server = std::make_shared<scpi::server::ModbusServer>(io, device, std::move(*map), address.modbus_unit,
                                                             bind_address, port, std::move(clock));
  try {
    server->start();
  } catch (const boost::system::system_error& e) {
    return fail(Errc::config, fmt::format("{}: cannot serve {} over Modbus TCP on {}:{}: {}", source, instrument,
                                          bind_address, port, e.code().message()));
  }
  io::Address served = address;
  served.host = bind_address == "0.0.0.0" ? address.host : bind_address;
  served.port = server->port();
  twin.address = served.canonical();
  twin.stop = [server] { server->stop(); };
  log::info("sim", "{} on {} (Modbus TCP twin)", instrument, twin.address);
  return twin;
}

}  // namespace ledlab::engine
