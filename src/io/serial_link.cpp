#include "io/serial_link.hpp"

#include "io/with_timeout.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <termios.h>

namespace ledlab::io {

namespace asio = boost::asio;

SerialLink::SerialLink(asio::any_io_executor executor, SerialSettings settings)
    : executor_(executor), settings_(std::move(settings)), port_(executor) {}

SerialLink::~SerialLink() { close(); }

Error SerialLink::map_error(const boost::system::error_code& ec, std::string_view during) const {
  namespace ae = asio::error;
  Errc code = Errc::io;
  if (ec == ae::operation_aborted) {
    code = Errc::cancelled;
  } else if (ec == ae::eof || ec == ae::bad_descriptor ||
             (ec.category() == boost::system::system_category() &&
              (ec.value() == EIO || ec.value() == ENXIO || ec.value() == ENODEV))) {
    // The tty went away under the open descriptor: a USB-serial adapter unplugged (ENODEV,
    // EIO) or a pseudo-terminal whose master closed (EIO, hang-up).
    code = Errc::disconnected;
  } else if (ec.category() == boost::system::system_category() &&
             (ec.value() == ENOENT || ec.value() == EACCES || ec.value() == EBUSY)) {
    code = Errc::unreachable;
  }
  std::string why = ec.message();
  if (ec.value() == EACCES && ec.category() == boost::system::system_category())
    why += " (is the user in the group that owns the device, usually dialout?)";
  return make_error(code, fmt::format("{} {}: {}", during, describe(), why));
}

asio::awaitable<Status> SerialLink::connect(Millis) {
  close();
  boost::system::error_code ec;
  port_.open(settings_.device, ec);  // opening a tty does not block once O_NONBLOCK is set by Asio
  if (ec) co_return fail(map_error(ec, "opening"));
  if (auto st = apply(settings_, port_); !st) {
    close();
    co_return fail(Error(st.error()));
  }
  // Bytes left in the tty's queues from before (an earlier session, a reply that came late)
  // would be taken for the answer to the first query.
  ::tcflush(port_.native_handle(), TCIOFLUSH);
  co_return Status{};
}

asio::awaitable<Status> SerialLink::write(std::string_view bytes, Millis timeout) {
  if (!port_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not open", describe()));
  auto done = co_await with_timeout(
      [&](auto token) { return asio::async_write(port_, asio::buffer(bytes.data(), bytes.size()), token); }, timeout);
  if (!done)
    co_return fail(Errc::timeout, fmt::format("write to {} blocked longer than {} ms (flow control holding it?)", describe(),
                                              timeout.count()));
  if (auto ec = std::get<0>(*done)) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "writing to"));
  }
  co_return Status{};
}

asio::awaitable<Result<std::size_t>> SerialLink::read_some(std::span<char> buffer, Millis timeout) {
  if (!port_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not open", describe()));
  auto done = co_await with_timeout(
      [&](auto token) { return port_.async_read_some(asio::buffer(buffer.data(), buffer.size()), token); }, timeout);
  if (!done) co_return fail(Errc::timeout, fmt::format("no reply from {} within {} ms", describe(), timeout.count()));
  auto [ec, n] = *done;
  if (!ec && n == 0) ec = asio::error::eof;  // a hung-up tty reads 0 bytes
  if (ec) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "reading from"));
  }
  co_return n;
}

asio::awaitable<Status> SerialLink::device_clear(Millis) {
  if (!port_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not open", describe()));
  if (::tcflush(port_.native_handle(), TCIOFLUSH) != 0)
    co_return fail(map_error(boost::system::error_code(errno, boost::system::system_category()), "flushing"));
  co_return Status{};
}

void SerialLink::cancel() {
  asio::post(executor_, [this] {
    boost::system::error_code ignored;
    port_.cancel(ignored);
  });
}

void SerialLink::close() {
  if (!port_.is_open()) return;
  boost::system::error_code ignored;
  port_.close(ignored);
}

}  // namespace ledlab::io
