#pragma once
// How a twin holds a reply back, shared by every server that carries a Device (raw socket,
// Modbus): the simulated delay of the outcome on the station's clock, then the wall-time part
// (an injected stall, or the delay itself on a real-time clock).
#include "core/clock.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace ledlab::scpi::server {

// Waits `delay_s` simulated seconds and `stall_s` wall seconds before a reply is sent.
boost::asio::awaitable<void> wait_before_reply(boost::asio::io_context& io, Clock& clock, double delay_s,
                                               double stall_s, boost::asio::steady_timer& timer);

}  // namespace ledlab::scpi::server
