#pragma once
// Builds the Modbus link for a modbus-tcp:// or modbus-rtu:// address: its register map
// loaded (a clear Errc::config when it does not parse) and its transport chosen.
#include "io/link.hpp"

namespace ledlab::io::modbus {

Result<std::unique_ptr<Link>> make_modbus_link(const Address& address, boost::asio::any_io_executor executor);

}  // namespace ledlab::io::modbus
