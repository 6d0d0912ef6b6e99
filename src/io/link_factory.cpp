#include "io/link.hpp"
#include "io/hislip/hislip_link.hpp"
#include "io/serial_link.hpp"
#include "io/modbus/modbus_links.hpp"
#include "io/tcp_link.hpp"
#include "io/usbtmc/usb_device.hpp"
#include "io/usbtmc/usbtmc_link.hpp"
#include "io/vxi11/vxi11_link.hpp"

#include <fmt/format.h>

namespace ledlab::io {

Result<std::unique_ptr<Link>> make_link(const Address& address, boost::asio::any_io_executor executor) {
  switch (address.kind) {
    case Address::Kind::tcp:
      return std::make_unique<TcpLink>(executor, address.host, address.port);
    case Address::Kind::usbtmc: {
      auto backend = usb::link_backend();
      if (!backend) return fail(Error(backend.error()).at(address.text));
      return std::make_unique<UsbtmcLink>(executor, address, std::move(*backend));
    }
    case Address::Kind::hislip:
      return std::make_unique<HislipLink>(executor, address);
    case Address::Kind::serial: {
      auto settings = serial_settings(address);
      if (!settings) return fail(settings.error());
      return std::make_unique<SerialLink>(executor, std::move(*settings));
    }
    case Address::Kind::modbus_tcp:
    case Address::Kind::modbus_rtu:
      return modbus::make_modbus_link(address, executor);
    case Address::Kind::vxi11:
      return std::make_unique<Vxi11Link>(executor, address);
  }
  return fail(Errc::bad_address, address.text);
}

}  // namespace ledlab::io
