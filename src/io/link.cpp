#include "io/link.hpp"

#include <fmt/format.h>

namespace ledlab::io {
namespace {

std::unexpected<Error> unsupported(const Link& link, std::string_view what) {
  return fail(Errc::invalid_argument, fmt::format("{}: {} needs a USB488 (or GPIB) link", link.describe(), what));
}

}  // namespace

boost::asio::awaitable<Result<std::uint8_t>> Link::read_status_byte(Millis) {
  co_return unsupported(*this, "a serial poll (READ_STATUS_BYTE)");
}
boost::asio::awaitable<Status> Link::device_clear(Millis) { co_return unsupported(*this, "a device clear"); }
boost::asio::awaitable<Status> Link::trigger(Millis) { co_return unsupported(*this, "a bus trigger"); }
boost::asio::awaitable<Status> Link::set_remote(RemoteState, Millis) {
  co_return unsupported(*this, "remote/local control");
}

}  // namespace ledlab::io
