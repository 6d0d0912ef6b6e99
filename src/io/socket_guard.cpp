#include "io/socket_guard.hpp"

#include <boost/asio/error.hpp>

namespace ledlab::io {

Errc socket_errc(const boost::system::error_code& ec) {
  namespace ae = boost::asio::error;
  if (ec == ae::operation_aborted) return Errc::cancelled;
  if (ec == ae::eof || ec == ae::connection_reset || ec == ae::broken_pipe || ec == ae::connection_aborted ||
      ec == ae::not_connected)
    return Errc::disconnected;
  if (ec == ae::connection_refused || ec == ae::host_unreachable || ec == ae::network_unreachable ||
      ec == ae::host_not_found || ec == ae::host_not_found_try_again)
    return Errc::unreachable;
  return Errc::io;
}

}  // namespace ledlab::io
