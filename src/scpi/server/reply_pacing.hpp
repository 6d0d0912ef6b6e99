#pragma once
// How long a twin holds a reply back, the same on every link it is served on (TCP, serial):
// the simulated time the reply takes (Outcome::delay_s, on the station's clock) and an
// injected stall (Outcome::fault.stall_s, wall seconds).
#include "core/clock.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace ledlab::scpi::server {

// Waits out `out`'s delay and stall when it has a reply; `timer` is the connection's own, so
// closing the connection (which cancels it) ends the wait.
boost::asio::awaitable<void> hold_reply(boost::asio::io_context& io, const Clock& clock, Outcome& out,
                                        boost::asio::steady_timer& timer);

}  // namespace ledlab::scpi::server
