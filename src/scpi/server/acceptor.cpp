#include "scpi/server/acceptor.hpp"

#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
using asio::ip::tcp;

std::uint16_t listen_on(tcp::acceptor& acceptor, const asio::ip::address& address, std::uint16_t port) {
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  return acceptor.local_endpoint().port();
}

std::uint16_t listen_on(tcp::acceptor& acceptor, const std::string& bind_address, std::uint16_t port) {
  return listen_on(acceptor, asio::ip::make_address(bind_address), port);
}

asio::awaitable<void> AcceptBackoff::failed(const boost::system::error_code& ec) {
  if (ec != failing_)
    log::warn("twin", "{} accept failed: {}; retrying with a backoff of up to {} ms", who_, ec.message(),
              std::chrono::duration_cast<std::chrono::milliseconds>(kMax).count());
  failing_ = ec;
  timer_.expires_after(backoff_);
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  backoff_ = std::min(backoff_ * 2, kMax);
}

void AcceptBackoff::succeeded() {
  if (!failing_) return;
  log::warn("twin", "{} accepts again (after: {})", who_, failing_.message());
  failing_ = {};
  backoff_ = kFirst;
}

}  // namespace ledlab::scpi::server
