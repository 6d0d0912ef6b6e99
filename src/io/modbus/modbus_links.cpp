#include "io/modbus/modbus_links.hpp"

#include "io/modbus/modbus_link.hpp"
#include "io/modbus/rtu_transport.hpp"
#include "io/modbus/tcp_transport.hpp"

namespace ledlab::io::modbus {

Result<std::unique_ptr<Link>> make_modbus_link(const Address& address, boost::asio::any_io_executor executor) {
  auto map = load_register_map(address.modbus_map);
  if (!map) return fail(Error(map.error()).at(address.text));
  std::unique_ptr<Transport> transport;
  if (address.kind == Address::Kind::modbus_tcp)
    transport = std::make_unique<TcpTransport>(executor, address.host, address.port, address.modbus_unit);
  else {
    auto line = rtu_settings(address.modbus_device, address.modbus_serial_options);
    if (!line) return fail(Error(line.error()).at(address.text));
    transport = std::make_unique<RtuTransport>(executor, std::move(*line), address.modbus_unit);
  }
  return std::make_unique<ModbusLink>(address.canonical(), std::move(*map), std::move(transport));
}

}  // namespace ledlab::io::modbus
