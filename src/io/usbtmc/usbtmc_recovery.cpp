// Getting a USBTMC device back into a known state after a transfer timed out, stalled, was
// cancelled or brought a malformed reply (USBTMC 1.0 sections 4.2.1.2 to 4.2.1.7).
#include "core/log.hpp"
#include "io/usbtmc/usbtmc_link.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace ledlab::io {

namespace asio = boost::asio;
using ClassStatus = usbtmc::Status;  // ledlab::Status is the result type
using usbtmc::Request, usbtmc::kToEndpoint, usbtmc::kToInterface;

namespace {
constexpr const char* kModule = "usbtmc";
// How long the device may keep answering PENDING before recovery gives up (USBTMC leaves it
// to the host; a second is generous for a FIFO flush).
constexpr Millis kPollInterval{10};
constexpr int kMaxPolls = 200;
}  // namespace

asio::awaitable<void> UsbtmcLink::pause(Millis delay) {
  asio::steady_timer timer(executor_);
  timer.expires_after(delay);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<Status> UsbtmcLink::recover(Millis timeout) {
  const Pending what = pending_;
  if (what == Pending::none) co_return Status{};
  if (!device_) co_return fail(require_open().error());
  Status st;
  if (in_halted_) {
    // USB 2.0 section 9.4.5: a halted endpoint stays halted until the host clears it.
    auto halt = co_await clear_halt(info_.bulk_in, timeout);
    if (!halt.ok()) st = fail(transfer_error(halt, "clearing the Bulk-IN halt of", timeout, what));
    else in_halted_ = false;
  }
  if (st && what == Pending::abort_out) st = co_await abort_bulk_out(pending_tag_, timeout);
  if (st && what == Pending::abort_in) st = co_await abort_bulk_in(pending_tag_, timeout);
  // The abort ends the transfer; the clear also empties the device's input and output
  // buffers, so half a command or an unread reply cannot leak into the next exchange.
  if (st) st = co_await clear_device(timeout);
  if (!st) {
    log::warn(kModule, "{}: recovery failed: {}", describe(), st.error().message);
    Error e = st.error();
    e.message = fmt::format("recovering {}: {}", describe(), e.message);
    co_return fail(std::move(e));
  }
  pending_ = Pending::none;
  log::info(kModule, "{}: recovered (aborted bTag {}, cleared)", describe(), pending_tag_);
  co_return Status{};
}

asio::awaitable<Status> UsbtmcLink::abort_bulk_out(std::uint8_t tag, Millis timeout) {
  auto r = co_await control_in(Request::initiate_abort_bulk_out, kToEndpoint, tag, info_.bulk_out, 2, timeout);
  if (!r.ok() || r.data.empty())
    co_return fail(transfer_error(r, "INITIATE_ABORT_BULK_OUT on", timeout, pending_));
  // FAILED: no transfer with this bTag is in progress (it completed, or never started).
  if (r.data[0] == static_cast<std::uint8_t>(ClassStatus::success)) {
    for (int poll = 0;; ++poll) {
      auto check = co_await control_in(Request::check_abort_bulk_out_status, kToEndpoint, 0, info_.bulk_out, 8, timeout);
      if (!check.ok() || check.data.empty())
        co_return fail(transfer_error(check, "CHECK_ABORT_BULK_OUT_STATUS on", timeout, pending_));
      if (check.data[0] != static_cast<std::uint8_t>(ClassStatus::pending)) break;
      if (poll == kMaxPolls) co_return fail(Errc::timeout, "the Bulk-OUT abort stayed PENDING");
      co_await pause(kPollInterval);
    }
  }
  // Section 4.2.1.3: after the abort the host clears the Bulk-OUT halt (and its data toggle).
  auto halt = co_await clear_halt(info_.bulk_out, timeout);
  if (!halt.ok()) co_return fail(transfer_error(halt, "clearing the Bulk-OUT halt of", timeout, pending_));
  co_return Status{};
}

asio::awaitable<void> UsbtmcLink::drain_bulk_in(Millis timeout) {
  // Reads until a short packet ends the aborted transfer (section 4.2.1.4), or nothing comes.
  const std::size_t packet = std::max<std::size_t>(info_.bulk_in_max_packet, 8);
  const Millis wait = std::min(timeout, Millis{200});
  for (int i = 0; i < 4096; ++i) {
    auto r = co_await bulk_in(packet, wait);
    if (!r.ok() || r.data.size() < packet) co_return;
  }
}

asio::awaitable<Status> UsbtmcLink::abort_bulk_in(std::uint8_t tag, Millis timeout) {
  auto r = co_await control_in(Request::initiate_abort_bulk_in, kToEndpoint, tag, info_.bulk_in, 2, timeout);
  if (!r.ok() || r.data.empty()) co_return fail(transfer_error(r, "INITIATE_ABORT_BULK_IN on", timeout, pending_));
  if (r.data[0] != static_cast<std::uint8_t>(ClassStatus::success)) co_return Status{};  // nothing in flight
  co_await drain_bulk_in(timeout);
  for (int poll = 0;; ++poll) {
    auto check = co_await control_in(Request::check_abort_bulk_in_status, kToEndpoint, 0, info_.bulk_in, 8, timeout);
    if (!check.ok()) co_return fail(transfer_error(check, "CHECK_ABORT_BULK_IN_STATUS on", timeout, pending_));
    auto status = usbtmc::parse_check_abort_in(check.data);
    if (!status) co_return fail(status.error());
    if (status->status != static_cast<std::uint8_t>(ClassStatus::pending)) break;
    if (poll == kMaxPolls) co_return fail(Errc::timeout, "the Bulk-IN abort stayed PENDING");
    if (status->more_data) co_await drain_bulk_in(timeout);
    co_await pause(kPollInterval);
  }
  co_return Status{};
}

asio::awaitable<Status> UsbtmcLink::clear_device(Millis timeout) {
  auto r = co_await class_request(Request::initiate_clear, kToInterface, 0, interface_number(), 1, timeout);
  if (!r) co_return fail(r.error());
  for (int poll = 0;; ++poll) {
    auto check = co_await class_request(Request::check_clear_status, kToInterface, 0, interface_number(), 2, timeout);
    if (!check) co_return fail(check.error());
    if ((*check)[0] != static_cast<std::uint8_t>(ClassStatus::pending)) break;
    if (poll == kMaxPolls) co_return fail(Errc::timeout, "INITIATE_CLEAR stayed PENDING");
    // bmClear bit 0: the device still holds Bulk-IN data the host must read away.
    if (check->size() > 1 && ((*check)[1] & 0x01)) co_await drain_bulk_in(timeout);
    co_await pause(kPollInterval);
  }
  // Section 4.2.1.7: after CHECK_CLEAR_STATUS succeeds the host clears the Bulk-OUT halt.
  auto halt = co_await clear_halt(info_.bulk_out, timeout);
  if (!halt.ok()) co_return fail(transfer_error(halt, "clearing the Bulk-OUT halt of", timeout, Pending::none));
  rx_.clear();
  co_return Status{};
}

}  // namespace ledlab::io
