#pragma once
// A link moves bytes to and from one instrument: TCP socket, USBTMC, or an in-process pipe.
// It knows nothing about SCPI. Every operation takes a timeout and ends early when
// cancel() is called; a timeout is its own error kind (Errc::timeout).
#include "core/error.hpp"
#include "io/address.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace ledlab::io {

using Millis = std::chrono::milliseconds;

// IEEE 488.1 remote/local state, where a transport carries it (USB488 REN_CONTROL,
// GO_TO_LOCAL and LOCAL_LOCKOUT).
enum class RemoteState { local, remote, local_lockout };

class Link {
 public:
  virtual ~Link() = default;

  virtual std::string describe() const = 0;
  virtual bool is_open() const = 0;

  virtual boost::asio::awaitable<Status> connect(Millis timeout) = 0;
  // Sends one whole message (USBTMC marks its end with EOM).
  virtual boost::asio::awaitable<Status> write(std::string_view bytes, Millis timeout) = 0;
  // Returns as soon as some bytes arrived; never 0 bytes on success.
  virtual boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, Millis timeout) = 0;

  // Out-of-band controls that some transports carry beside the message stream (USB488, as
  // GPIB did). The defaults fail with Errc::invalid_argument naming the link: a raw socket
  // has no serial poll or device clear.
  virtual boost::asio::awaitable<Result<std::uint8_t>> read_status_byte(Millis timeout);  // serial poll
  virtual boost::asio::awaitable<Status> device_clear(Millis timeout);  // clears buffers, aborts parsing
  virtual boost::asio::awaitable<Status> trigger(Millis timeout);       // group execute trigger
  virtual boost::asio::awaitable<Status> set_remote(RemoteState state, Millis timeout);
  // Whether read_status_byte() works on this link as it stands (USB488, connected).
  virtual bool has_serial_poll() const { return false; }

  // Aborts the operation in progress (it completes with Errc::cancelled). Safe from any thread.
  virtual void cancel() = 0;
  virtual void close() = 0;
};

// Creates the link for an address; the link's I/O runs on `executor`.
Result<std::unique_ptr<Link>> make_link(const Address& address, boost::asio::any_io_executor executor);

}  // namespace ledlab::io
