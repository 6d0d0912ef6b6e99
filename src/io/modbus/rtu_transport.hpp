#pragma once
// Modbus RTU on a serial line (Modbus over Serial Line V1.02): binary frames with a CRC,
// delimited by silence. The client sends one request and reads the response whose length its
// function fixes (2.5.1.1), checks the CRC (2.5.1.2) and the unit; before each request it
// discards what is left in the input and keeps the line silent for t3.5.
#include "io/modbus/transport.hpp"
#include "io/serial_settings.hpp"

#include <boost/asio/serial_port.hpp>

#include <chrono>

namespace ledlab::io::modbus {

class RtuTransport final : public Transport {
 public:
  RtuTransport(boost::asio::any_io_executor executor, SerialSettings settings, std::uint8_t unit);
  ~RtuTransport() override;

  std::string describe() const override;
  bool is_open() const override { return port_.is_open(); }
  boost::asio::awaitable<Status> connect(Millis timeout) override;
  boost::asio::awaitable<Result<std::string>> transact(std::string_view pdu, Millis timeout) override;
  void cancel() override;
  void close() override;

 private:
  boost::asio::awaitable<Status> read_exactly(std::string& into, std::size_t n, Millis timeout);
  Error map_error(const boost::system::error_code& ec, std::string_view during) const;

  boost::asio::any_io_executor executor_;
  SerialSettings settings_;
  std::uint8_t unit_;
  boost::asio::serial_port port_;
  std::chrono::steady_clock::time_point last_activity_{};
};

// Modbus over Serial Line V1.02, 2.5.1: RTU lines default to 19200 baud, 8 data bits, even
// parity, 1 stop bit; the address's options go over these.
Result<SerialSettings> rtu_settings(std::string device, std::string_view options);

}  // namespace ledlab::io::modbus
