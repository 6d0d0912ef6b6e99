#pragma once
// When a twin's reply may go out: after the simulated time its command takes (Outcome::delay_s,
// on the station's clock) and any injected stall (wall time). Shared by every link a twin is
// served on (raw socket, VXI-11) so they all keep the same time.
#include "core/clock.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace ledlab::scpi::server {

// Waits before a reply with `out.has_reply`; returns at once otherwise.
boost::asio::awaitable<void> wait_for_reply(boost::asio::io_context& io, const Clock& clock, Outcome& out,
                                            boost::asio::steady_timer& timer);

}  // namespace ledlab::scpi::server
