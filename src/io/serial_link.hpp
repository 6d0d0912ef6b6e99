#pragma once
// A serial port (RS-232, RS-485 through an adapter, a pseudo-terminal in tests) on Asio's
// serial_port. connect() opens the device and applies its line settings; a device that goes
// away (a USB adapter pulled, a pty whose other end closed: EIO or hang-up) is reported as
// Errc::disconnected, so the session reconnects by opening the path again.
#include "io/link.hpp"
#include "io/serial_settings.hpp"

#include <boost/asio/serial_port.hpp>

namespace ledlab::io {

class SerialLink final : public Link {
 public:
  SerialLink(boost::asio::any_io_executor executor, SerialSettings settings);
  ~SerialLink() override;

  std::string describe() const override { return settings_.describe(); }
  bool is_open() const override { return port_.is_open(); }
  const SerialSettings& settings() const { return settings_; }
  boost::asio::awaitable<Status> connect(Millis timeout) override;
  boost::asio::awaitable<Status> write(std::string_view bytes, Millis timeout) override;
  boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, Millis timeout) override;
  // VISA's viClear on a serial port discards the buffers (there is no device clear message on
  // an RS-232 line): both directions of the tty are flushed.
  boost::asio::awaitable<Status> device_clear(Millis timeout) override;
  void cancel() override;
  void close() override;

 private:
  Error map_error(const boost::system::error_code& ec, std::string_view during) const;

  boost::asio::any_io_executor executor_;
  SerialSettings settings_;
  boost::asio::serial_port port_;
};

}  // namespace ledlab::io
