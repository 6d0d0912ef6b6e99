#include "io/link.hpp"
#include "io/tcp_link.hpp"

#include <fmt/format.h>

namespace ledlab::io {

Result<std::unique_ptr<Link>> make_link(const Address& address, boost::asio::any_io_executor executor) {
  switch (address.kind) {
    case Address::Kind::tcp:
      return std::make_unique<TcpLink>(executor, address.host, address.port);
    case Address::Kind::usbtmc:
      return fail(Errc::config, fmt::format("{}: the USBTMC link is not built yet", address.text));
  }
  return fail(Errc::bad_address, address.text);
}

}  // namespace ledlab::io
