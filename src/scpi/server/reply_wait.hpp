#pragma once
// Holds a twin's reply back as long as the instrument would take: its simulated delay on the
// station's clock (a BERT gate, *OPC? while an operation runs) and any injected stall. Shared
// by the raw-socket server and the HiSLIP server.
#include "core/clock.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace ledlab::scpi::server {

// Returns once the reply of `out` may go; nothing waits for an outcome without a reply.
boost::asio::awaitable<void> wait_before_reply(boost::asio::io_context& io, const Clock& clock, Outcome& out,
                                               boost::asio::steady_timer& timer);

}  // namespace ledlab::scpi::server
