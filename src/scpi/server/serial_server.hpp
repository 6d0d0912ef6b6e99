#pragma once
// Serves one Device on a pseudo-terminal, as a serial instrument on an RS-232 line: lines in
// with the line's read terminator, replies out with its write terminator. Drivers open a
// stable path (a symlink in a private directory, like udev's /dev/serial/by-id/ names) that
// points at the current pty's slave end.
//
// Unplugging (replug(), or SIM:FAULt:DROP / an outage reaching a line) closes the pty: the
// driver's next read or write fails as a USB-serial adapter pulled out does (EIO, hang-up),
// and a fresh pty is plugged in behind the same path, so the driver's reconnect finds it.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "io/serial_settings.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace ledlab::scpi::server {

class SerialServer : public std::enable_shared_from_this<SerialServer> {
 public:
  // `line` gives the terminators (its device path is ignored: the server makes its own).
  SerialServer(boost::asio::io_context& io, std::shared_ptr<Device> device, io::SerialSettings line,
               std::shared_ptr<Clock> clock = nullptr);
  ~SerialServer();

  Status start();
  void stop();
  // Pulls the cable and plugs a new one in behind the same path.
  Status replug();

  const std::string& path() const { return link_path_; }
  // serial://<path>?<options>: what a driver opens.
  std::string address() const;
  Device& device() { return *device_; }
  std::size_t plug_count() const { return generation_; }

 private:
  Status plug();
  void unplug();
  boost::asio::awaitable<void> serve(std::shared_ptr<boost::asio::posix::stream_descriptor> port, std::uint64_t generation);

  boost::asio::io_context& io_;
  std::shared_ptr<Device> device_;
  io::SerialSettings line_;
  std::shared_ptr<Clock> clock_;
  std::string dir_;        // private directory holding the stable link
  std::string link_path_;  // dir_/tty -> /dev/pts/N
  std::shared_ptr<boost::asio::posix::stream_descriptor> master_;
  int slave_hold_ = -1;    // keeps the slave open so the master never reads EIO between driver opens
  std::uint64_t generation_ = 0;
};

}  // namespace ledlab::scpi::server
