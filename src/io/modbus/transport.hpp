#pragma once
// What carries one Modbus transaction: a request PDU to a unit, its response PDU back. Modbus
// TCP (MBAP framing) and Modbus RTU (a serial line) implement it; the link above is the same.
#include "core/error.hpp"
#include "io/link.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ledlab::io::modbus {

class Transport {
 public:
  virtual ~Transport() = default;
  virtual std::string describe() const = 0;
  virtual bool is_open() const = 0;
  virtual boost::asio::awaitable<Status> connect(Millis timeout) = 0;
  // The response PDU (an exception response included). Errc::timeout, disconnected, protocol
  // (a malformed or mismatched frame: the link is closed, since the stream is out of step).
  virtual boost::asio::awaitable<Result<std::string>> transact(std::string_view pdu, Millis timeout) = 0;
  virtual void cancel() = 0;
  virtual void close() = 0;
};

}  // namespace ledlab::io::modbus
