#pragma once
// A Modbus controller behind the Link interface. Program messages in a small SCPI-like
// language are turned into register transactions through the controller's register map:
//   NAME value   writes the register(s) NAME (refused in the link outside the map's range)
//   NAME?        reads them; the reply is the value in the session's framing ("25.5\n")
// and the IEEE 488.2 basics the session and engine use are answered by the link itself: *IDN?
// (the map's identity, the serial from its serial register), *OPC? 1, *CLS, *STB? 0, *ESR? 0,
// SYST:ERR? from the link's own queue (Modbus exceptions, refused values, unknown names).
#include "io/link.hpp"
#include "io/modbus/register_map.hpp"
#include "io/modbus/transport.hpp"

#include <deque>
#include <memory>
#include <optional>

namespace ledlab::io::modbus {

class ModbusLink final : public Link {
 public:
  ModbusLink(std::string address, RegisterMap map, std::unique_ptr<Transport> transport);

  std::string describe() const override { return address_; }
  bool is_open() const override { return transport_->is_open(); }
  boost::asio::awaitable<Status> connect(Millis timeout) override;
  boost::asio::awaitable<Status> write(std::string_view bytes, Millis timeout) override;
  boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, Millis timeout) override;
  void cancel() override { transport_->cancel(); }
  void close() override;

  const RegisterMap& map() const { return map_; }

 private:
  // One message unit; a reply (queries) or nothing. A transport failure ends the message.
  struct UnitResult {
    std::optional<std::string> reply;
    std::optional<Error> query_error;  // the query failed: the reader gets this at once
  };
  boost::asio::awaitable<Result<UnitResult>> run_unit(std::string_view unit, Millis timeout);
  boost::asio::awaitable<Result<std::optional<double>>> read_register(const Register& reg, Millis timeout);
  boost::asio::awaitable<Result<std::optional<std::string>>> identity(Millis timeout);
  Error instrument_error(int code, std::string text) const;
  void push_error(int code, std::string text);

  std::string address_;
  RegisterMap map_;
  std::unique_ptr<Transport> transport_;
  std::string output_;                // replies not read yet
  std::optional<Error> failed_query_; // a query that will never be answered
  std::deque<std::pair<int, std::string>> errors_;  // SYST:ERR? queue
};

// IEEE 488.2 21.8.1 / SCPI-99: the error queue holds at least 2 entries; this one holds 16
// and replaces the newest with -350 "Queue overflow" when full.
constexpr std::size_t kErrorQueueSize = 16;

}  // namespace ledlab::io::modbus
