#include "scpi/server/reply_delay.hpp"

#include "core/activity.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ledlab::scpi::server {

namespace asio = boost::asio;

asio::awaitable<void> wait_before_reply(asio::io_context& io, Clock& clock, double delay_s, double stall_s,
                                        asio::steady_timer& timer) {
  if (clock.is_virtual() && delay_s > 0) {
    // On a virtual clock the reply waits its simulated time there; the client's exchange,
    // which holds simulated time still, is lent back for the wait (core/activity.hpp).
    Activity::Lend waiting_on_the_clock(io.get_executor());
    co_await clock.sleep(delay_s);
    delay_s = 0;
  }
  const auto wait = clock.to_wall(delay_s) + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                 std::chrono::duration<double>(stall_s));
  if (wait > std::chrono::steady_clock::duration::zero()) {
    timer.expires_after(wait);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace ledlab::scpi::server
