#pragma once
// Serving a station entry's twin over Modbus (SimulatedStation, sim_station.cpp): a
// modbus-tcp:// address gets a Modbus TCP server on loopback, a modbus-rtu:// one a Modbus RTU
// server on a pseudo-terminal; the entry's address is rewritten to where the twin really is.
#include "core/clock.hpp"
#include "io/address.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>

namespace ledlab::engine {

struct ModbusTwin {
  std::string instrument;
  std::string address;                      // where clients reach it
  std::shared_ptr<scpi::server::Device> device;
  std::function<void()> stop;               // closes the server and its connections
};

// `port` 0 picks a free port (TCP). Errors name the station file and the instrument.
Result<ModbusTwin> serve_modbus_twin(boost::asio::io_context& io, const std::string& source, const std::string& instrument,
                                     const io::Address& address, std::shared_ptr<scpi::server::Device> device,
                                     std::shared_ptr<Clock> clock, std::uint16_t port, const std::string& bind_address);

}  // namespace ledlab::engine
