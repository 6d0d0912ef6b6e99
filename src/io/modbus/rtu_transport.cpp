#include "io/modbus/rtu_transport.hpp"

#include "io/modbus/protocol.hpp"
#include "io/modbus/rtu_timing.hpp"
#include "io/with_timeout.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <termios.h>

namespace ledlab::io::modbus {

namespace asio = boost::asio;

Result<SerialSettings> rtu_settings(std::string device, std::string_view options) {
  SerialSettings s;
  s.device = std::move(device);
  s.baud = 19200;
  s.parity = Parity::even;
  if (auto st = apply_serial_options(s, options); !st) return fail(st.error());
  return s;
}

RtuTransport::RtuTransport(asio::any_io_executor executor, SerialSettings settings, std::uint8_t unit)
    : executor_(executor), settings_(std::move(settings)), unit_(unit), port_(executor) {}

RtuTransport::~RtuTransport() { close(); }

std::string RtuTransport::describe() const { return fmt::format("modbus-rtu://{}?unit={}", settings_.device, unit_); }

Error RtuTransport::map_error(const boost::system::error_code& ec, std::string_view during) const {
  Errc code = Errc::io;
  if (ec == asio::error::operation_aborted) code = Errc::cancelled;
  else if (ec == asio::error::eof || (ec.category() == boost::system::system_category() && ec.value() == EIO))
    code = Errc::disconnected;  // the adapter or the pty's other end went away
  else if (ec.category() == boost::system::system_category() && (ec.value() == ENOENT || ec.value() == EACCES || ec.value() == EBUSY))
    code = Errc::unreachable;
  return make_error(code, fmt::format("{} {}: {}", during, describe(), ec.message()));
}

asio::awaitable<Status> RtuTransport::connect(Millis) {
  close();
  boost::system::error_code ec;
  port_.open(settings_.device, ec);
  if (ec) co_return fail(map_error(ec, "opening"));
  if (auto st = apply(settings_, port_); !st) {
    close();
    co_return fail(st.error());
  }
  ::tcflush(port_.native_handle(), TCIOFLUSH);
  last_activity_ = std::chrono::steady_clock::now();
  co_return Status{};
}

asio::awaitable<Status> RtuTransport::read_exactly(std::string& into, std::size_t n, Millis timeout) {
  const std::size_t at = into.size();
  into.resize(at + n);
  auto done = co_await with_timeout(
      [&](auto token) { return asio::async_read(port_, asio::buffer(into.data() + at, n), token); }, timeout);
  if (!done) co_return fail(Errc::timeout, fmt::format("no complete response from {} within {} ms", describe(), timeout.count()));
  if (auto ec = std::get<0>(*done)) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "reading from"));
  }
  last_activity_ = std::chrono::steady_clock::now();
  co_return Status{};
}

asio::awaitable<Result<std::string>> RtuTransport::transact(std::string_view pdu, Millis timeout) {
  if (!port_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not open", describe()));
  // Serial Line 2.5.1.1: the line stays silent t3.5 between frames; what arrived since the
  // last response (a late or garbled frame) is not the answer to this request.
  const auto quiet_until = last_activity_ + rtu_silent_interval(settings_.baud);
  if (std::chrono::steady_clock::now() < quiet_until) {
    asio::steady_timer timer(executor_);
    timer.expires_at(quiet_until);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  ::tcflush(port_.native_handle(), TCIFLUSH);
  const std::string frame = encode_rtu(unit_, pdu);
  auto sent = co_await with_timeout([&](auto token) { return asio::async_write(port_, asio::buffer(frame), token); }, timeout);
  if (!sent) co_return fail(Errc::timeout, fmt::format("write to {} blocked longer than {} ms", describe(), timeout.count()));
  if (auto ec = std::get<0>(*sent)) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "writing to"));
  }
  last_activity_ = std::chrono::steady_clock::now();
  // Address and function, then what the function says follows (byte count for reads), then CRC.
  std::string response;
  if (auto st = co_await read_exactly(response, 2, timeout); !st) co_return fail(st.error());
  if (static_cast<std::uint8_t>(response[0]) != unit_)
    co_return fail(Errc::protocol, fmt::format("{}: response from unit {} to a request for unit {}", describe(),
                                               static_cast<unsigned>(static_cast<std::uint8_t>(response[0])), unit_));
  auto size = response_pdu_size(std::string_view(response).substr(1));
  if (!size) {
    if (auto st = co_await read_exactly(response, 1, timeout); !st) co_return fail(st.error());
    size = response_pdu_size(std::string_view(response).substr(1));
  }
  if (!size || *size == 0)
    co_return fail(Errc::protocol, fmt::format("{}: response with unknown function {:02X}", describe(),
                                               static_cast<unsigned>(static_cast<std::uint8_t>(response[1]))));
  if (1 + *size + 2 > kMaxRtuFrame)
    co_return fail(Errc::protocol, fmt::format("{}: response announces {} bytes, beyond the RTU frame's {}", describe(),
                                               1 + *size + 2, kMaxRtuFrame));
  if (auto st = co_await read_exactly(response, 1 + *size + 2 - response.size(), timeout); !st) co_return fail(st.error());
  auto decoded = decode_rtu(response);
  if (!decoded) co_return fail(Errc::protocol, fmt::format("{}: {}", describe(), decoded.error().message));
  co_return std::move(decoded->pdu);
}

void RtuTransport::cancel() {
  asio::post(executor_, [this] {
    boost::system::error_code ignored;
    port_.cancel(ignored);
  });
}

void RtuTransport::close() {
  if (!port_.is_open()) return;
  boost::system::error_code ignored;
  port_.close(ignored);
}

}  // namespace ledlab::io::modbus
