#include "scpi/server/reply_pacing.hpp"

#include "core/activity.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace ledlab::scpi::server {

namespace asio = boost::asio;

asio::awaitable<void> hold_reply(asio::io_context& io, const Clock& clock, Outcome& out, asio::steady_timer& timer) {
  if (!out.has_reply) co_return;
  if (clock.is_virtual() && out.delay_s > 0) {
    // On a virtual clock the reply waits its simulated time there; the client's exchange,
    // which holds simulated time still, is lent back for the wait (core/activity.hpp).
    Activity::Lend waiting_on_the_clock(io.get_executor());
    co_await clock.sleep(out.delay_s);
    out.delay_s = 0;
  }
  const auto wait = clock.to_wall(out.delay_s) + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                     std::chrono::duration<double>(out.fault.stall_s));
  if (wait <= std::chrono::steady_clock::duration::zero()) co_return;
  timer.expires_after(wait);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace ledlab::scpi::server
