#include "io/usbtmc/usbtmc_link.hpp"

#include "core/log.hpp"
#include "io/usbtmc/await_transfer.hpp"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace ledlab::io {

namespace asio = boost::asio;
using usbtmc::BulkInHeader;
using usbtmc::kHeaderSize;
using usbtmc::kToEndpoint;
using usbtmc::kToInterface;
using usbtmc::Request;
using ClassStatus = usbtmc::Status;  // ledlab::Status is the result type

namespace {
constexpr const char* kModule = "usbtmc";

std::size_t round_up(std::size_t n, std::size_t unit) { return (n + unit - 1) / unit * unit; }
}  // namespace

Result<usb::InterfaceInfo> find_interface(const std::vector<usb::InterfaceInfo>& attached, const Address& address) {
  for (const auto& i : attached)
    if (i.vendor_id == address.vendor_id && i.product_id == address.product_id &&
        (address.serial.empty() || i.serial == address.serial))
      return i;
  std::string seen;
  for (const auto& i : attached)
    seen += fmt::format("{}usbtmc://{:04x}:{:04x}{}{}", seen.empty() ? "" : ", ", i.vendor_id, i.product_id,
                        i.serial.empty() ? "" : "/", i.serial);
  return fail(Errc::unreachable, fmt::format("{} is not attached ({})", address.canonical(),
                                             seen.empty() ? "no USBTMC instrument is" : "attached: " + seen));
}

UsbtmcLink::UsbtmcLink(asio::any_io_executor executor, Address address, std::shared_ptr<usb::Backend> backend)
    : executor_(std::move(executor)), address_(std::move(address)), backend_(std::move(backend)),
      quirks_(&usbtmc::quirks_for(address_.vendor_id, address_.product_id)) {}

UsbtmcLink::~UsbtmcLink() { close(); }

std::string UsbtmcLink::describe() const { return address_.canonical(); }

Status UsbtmcLink::require_open() const {
  if (device_) return {};
  if (unplugged_) return fail(Errc::unplugged, fmt::format("{} was unplugged", describe()));
  return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
}

asio::awaitable<Status> UsbtmcLink::connect(Millis timeout) {
  close();
  auto attached = backend_->list();
  if (!attached) co_return fail(attached.error());
  auto found = find_interface(*attached, address_);
  if (!found) co_return fail(found.error());
  if (!found->access_error.empty())
    co_return fail(Errc::io, fmt::format("{} cannot be opened: {}", describe(), found->access_error));
  auto device = backend_->open(*found);
  if (!device) co_return fail(device.error());
  device_ = std::move(*device);
  info_ = device_->info();
  quirks_ = &usbtmc::quirks_for(info_.vendor_id, info_.product_id);
  if (!quirks_->why.empty()) log::info(kModule, "{}: quirks apply: {}", describe(), quirks_->why);
  unplugged_ = false;

  // USBTMC 1.0 section 4.2.1.8: the host learns what the interface supports.
  auto caps = co_await class_request(Request::get_capabilities, kToInterface, 0, interface_number(), 0x18, timeout);
  if (!caps) {
    close();
    co_return fail(caps.error());
  }
  auto parsed = usbtmc::parse_capabilities(*caps);
  if (!parsed) {
    close();
    co_return fail(Errc::protocol, fmt::format("{}: {}", describe(), parsed.error().message));
  }
  caps_ = *parsed;
  if (quirks_->clear_on_open && pending_ == Pending::none) pending_ = Pending::clear;
  if (pending_ != Pending::none) {
    if (auto st = co_await recover(timeout); !st) {
      close();
      co_return st;
    }
  }
  log::info(kModule, "{}: open ({} on interface {}, bulk out 0x{:02x} in 0x{:02x}{})", describe(),
            info_.is_usb488() ? "USB488" : "USBTMC", info_.interface_number, info_.bulk_out, info_.bulk_in,
            info_.interrupt_in ? fmt::format(" interrupt 0x{:02x}", info_.interrupt_in) : std::string());
  co_return Status{};
}

asio::awaitable<Status> UsbtmcLink::write(std::string_view bytes, Millis timeout) {
  if (auto st = require_open(); !st) co_return st;
  if (caps_.talk_only) co_return fail(Errc::invalid_argument, fmt::format("{} is talk-only: it takes no messages", describe()));
  if (pending_ != Pending::none)
    if (auto st = co_await recover(timeout); !st) co_return st;
  // A new message discards what is left of an unread reply (IEEE 488.2 6.3.2.3 would call it
  // an interrupted query; the device reports that itself).
  rx_.clear();
  std::size_t offset = 0;
  do {
    const auto chunk = bytes.substr(offset, quirks_->max_transfer_bytes);
    const bool eom = offset + chunk.size() == bytes.size();
    const std::uint8_t tag = tags_.next();
    auto r = co_await bulk_out(usbtmc::encode_dev_dep_msg_out(tag, chunk, eom), timeout);
    if (!r.ok()) {
      Error e = co_await fail_transfer(r, "writing to", timeout, Pending::abort_out, tag);
      co_return fail(std::move(e));
    }
    offset += chunk.size();
  } while (offset < bytes.size());
  co_return Status{};
}

asio::awaitable<Result<std::size_t>> UsbtmcLink::read_some(std::span<char> buffer, Millis timeout) {
  if (auto st = require_open(); !st) co_return fail(st.error());
  if (caps_.listen_only) co_return fail(Errc::invalid_argument, fmt::format("{} is listen-only: it never replies", describe()));
  if (buffer.empty()) co_return fail(Errc::invalid_argument, "read_some needs a buffer");
  if (rx_.empty() && pending_ != Pending::none)
    if (auto st = co_await recover(timeout); !st) co_return fail(st.error());
  // A device that answers REQUESTs with empty transfers must not spin us forever.
  for (int empty = 0; rx_.empty(); ++empty) {
    if (empty == 64)
      co_return fail(Errc::protocol, fmt::format("{} answered 64 requests with no data", describe()));
    auto r = co_await read_transfer(buffer, timeout);
    if (!r) co_return fail(r.error());
  }
  const std::size_t n = std::min(buffer.size(), rx_.size());
  std::copy_n(rx_.begin(), n, buffer.begin());
  rx_.erase(0, n);
  co_return n;
}

// One REQUEST_DEV_DEP_MSG_IN and the Bulk-IN transfer answering it; the payload goes to rx_.
asio::awaitable<Result<std::size_t>> UsbtmcLink::read_transfer(std::span<char> buffer, Millis timeout) {
  const auto want = static_cast<std::uint32_t>(
      std::min<std::size_t>(std::max<std::size_t>(buffer.size(), 4096), quirks_->max_transfer_bytes));
  const std::uint8_t tag = tags_.next();
  auto sent = co_await bulk_out(usbtmc::encode_request_dev_dep_msg_in(tag, want, std::nullopt), timeout);
  if (!sent.ok()) {
    Error e = co_await fail_transfer(sent, "requesting a reply from", timeout, Pending::abort_out, tag);
    co_return fail(std::move(e));
  }
  // Whole packets, so a full last packet never overflows the buffer (USB 2.0 section 5.8.3);
  // room for the header and up to 3 alignment bytes.
  const std::size_t packet = std::max<std::size_t>(info_.bulk_in_max_packet, 8);
  std::string payload;
  std::optional<BulkInHeader> header;
  do {
    const std::size_t need = header ? header->transfer_size - payload.size() + 3 : usbtmc::padded_size(want);
    auto r = co_await bulk_in(round_up(need, packet), timeout);
    if (!r.ok()) {
      Error e = co_await fail_transfer(r, "reading from", timeout, Pending::abort_in, tag);
      if (header)
        e.message += fmt::format(" (the transfer stopped after {} of the {} bytes its header announced)", payload.size(),
                                 header->transfer_size);
      co_return fail(std::move(e));
    }
    if (header && r.data.empty()) {
      Error e = co_await reject_reply(Errc::protocol,
                                      fmt::format("reading from {}: the transfer ended after {} of {} bytes", describe(),
                                                  payload.size(), header->transfer_size),
                                      timeout, tag);
      co_return fail(std::move(e));
    }
    std::size_t skip = 0;
    if (!header) {
      auto h = usbtmc::parse_bulk_in_header(r.data, tag, want);
      if (!h) {
        Error e = co_await reject_reply(Errc::protocol, fmt::format("reading from {}: {}", describe(), h.error().message),
                                        timeout, tag);
        co_return fail(std::move(e));
      }
      header = *h;
      skip = kHeaderSize;
    }
    payload.append(reinterpret_cast<const char*>(r.data.data()) + skip, r.data.size() - skip);
    // USBTMC 1.0 section 3.3: a device may end a transfer early with a short packet and send
    // the rest in further transfers; the host reads until TransferSize bytes have arrived.
  } while (payload.size() < header->transfer_size);
  payload.resize(header->transfer_size);  // drops the alignment bytes
  rx_ += payload;
  co_return payload.size();
}

asio::awaitable<Result<std::uint8_t>> UsbtmcLink::read_status_byte(Millis timeout) {
  if (auto st = require_open(); !st) co_return fail(st.error());
  if (!info_.is_usb488())
    co_return fail(Errc::invalid_argument, fmt::format("{} is a plain USBTMC interface: no READ_STATUS_BYTE", describe()));
  const std::uint8_t tag = status_tags_.next();
  auto reply = co_await class_request(Request::read_status_byte, kToInterface, tag, interface_number(), 3, timeout);
  if (!reply) co_return fail(reply.error());
  auto parsed = usbtmc::parse_read_status_byte(*reply);
  if (!parsed) co_return fail(parsed.error());
  if (parsed->tag != tag)
    co_return fail(Errc::protocol, fmt::format("{}: READ_STATUS_BYTE answered bTag {} for request {}", describe(),
                                               parsed->tag, tag));
  // USB488 section 4.3.1: with an Interrupt-IN endpoint the status byte comes there, tagged.
  if (info_.interrupt_in == 0) co_return parsed->stb;
  for (int stale = 0; stale < 8; ++stale) {
    auto r = co_await usb::await_transfer(*device_, [&](usb::TransferHandler done) {
      device_->submit_interrupt_in(2, timeout, std::move(done));
    });
    if (!r.ok()) co_return fail(transfer_error(r, "reading the status byte from", timeout, Pending::none));
    auto n = usbtmc::parse_notification(r.data);
    if (!n) co_return fail(Errc::protocol, fmt::format("{}: {}", describe(), n.error().message));
    if (n->is_srq) {
      ++service_requests_;
      log::info(kModule, "{}: service request, STB 0x{:02x}", describe(), n->stb);
      continue;
    }
    if (n->tag == tag) co_return n->stb;
  }
  co_return fail(Errc::protocol, fmt::format("{}: no Interrupt-IN notification carried bTag {}", describe(), tag));
}

asio::awaitable<Status> UsbtmcLink::device_clear(Millis timeout) {
  if (auto st = require_open(); !st) co_return st;
  co_return co_await clear_device(timeout);
}

asio::awaitable<Status> UsbtmcLink::trigger(Millis timeout) {
  if (auto st = require_open(); !st) co_return st;
  if (!caps_.trigger) co_return fail(Errc::invalid_argument, fmt::format("{} does not accept USB488 TRIGGER", describe()));
  const std::uint8_t tag = tags_.next();
  auto r = co_await bulk_out(usbtmc::encode_trigger(tag), timeout);
  if (!r.ok()) {
    pending_tag_ = tag;
    co_return fail(transfer_error(r, "triggering", timeout, Pending::abort_out));
  }
  co_return Status{};
}

asio::awaitable<Status> UsbtmcLink::set_remote(RemoteState state, Millis timeout) {
  if (auto st = require_open(); !st) co_return st;
  if (!caps_.ren_control)
    co_return fail(Errc::invalid_argument, fmt::format("{} does not support REN_CONTROL, GO_TO_LOCAL and LOCAL_LOCKOUT", describe()));
  // USB488 section 4.3.2-4.3.4: REN asserted puts the device in remote when next addressed;
  // LOCAL_LOCKOUT needs REN asserted; GO_TO_LOCAL leaves REN as it is.
  if (state == RemoteState::local) {
    auto r = co_await class_request(Request::go_to_local, kToInterface, 0, interface_number(), 1, timeout);
    co_return r ? Status{} : Status(fail(r.error()));
  }
  auto ren = co_await class_request(Request::ren_control, kToInterface, 1, interface_number(), 1, timeout);
  if (!ren) co_return fail(ren.error());
  if (state == RemoteState::local_lockout) {
    auto r = co_await class_request(Request::local_lockout, kToInterface, 0, interface_number(), 1, timeout);
    if (!r) co_return fail(r.error());
  }
  co_return Status{};
}

void UsbtmcLink::cancel() {
  asio::post(executor_, [this] {
    if (device_) device_->cancel();
  });
}

void UsbtmcLink::close() {
  if (!device_) return;
  device_->close();
  device_.reset();
  rx_.clear();
}

asio::awaitable<Error> UsbtmcLink::fail_transfer(const usb::TransferResult& r, std::string_view during, Millis timeout,
                                                 Pending recovery, std::uint8_t tag) {
  pending_tag_ = tag;
  Error e = transfer_error(r, during, timeout, recovery);
  // A cancelled call returns at once; its recovery runs before the next transfer.
  if (pending_ != Pending::none && e.code != Errc::cancelled) (void)co_await recover(timeout);
  co_return e;
}

asio::awaitable<Error> UsbtmcLink::reject_reply(Errc code, std::string message, Millis timeout, std::uint8_t tag) {
  pending_tag_ = tag;
  pending_ = Pending::abort_in;
  (void)co_await recover(timeout);
  co_return make_error(code, std::move(message));
}

Error UsbtmcLink::transfer_error(const usb::TransferResult& r, std::string_view during, Millis timeout,
                                 Pending recovery) {
  using usb::TransferCode;
  const std::string where = fmt::format("{} {}", during, describe());
  switch (r.code) {
    case TransferCode::ok: break;
    case TransferCode::no_device:
      unplugged_ = true;
      pending_ = Pending::none;
      close();
      return make_error(Errc::unplugged, fmt::format("{}: the device was unplugged", where));
    case TransferCode::timeout:
      pending_ = recovery;
      return make_error(Errc::timeout, fmt::format("{}: no progress within {} ms", where, timeout.count()));
    case TransferCode::cancelled:
      pending_ = recovery;  // recovered before the next transfer
      return make_error(Errc::cancelled, fmt::format("{}: cancelled", where));
    case TransferCode::stall:
      if (recovery == Pending::abort_in) in_halted_ = true;
      pending_ = recovery == Pending::none ? Pending::clear : recovery;
      return make_error(Errc::io, fmt::format("{}: the endpoint halted (STALL)", where));
    case TransferCode::overflow:
      pending_ = recovery;
      return make_error(Errc::protocol, fmt::format("{}: the device sent more than was requested", where));
    case TransferCode::error: break;
  }
  pending_ = recovery == Pending::none ? Pending::clear : recovery;
  return make_error(Errc::io, fmt::format("{}: {}", where, r.detail.empty() ? "transfer failed" : r.detail));
}

asio::awaitable<usb::TransferResult> UsbtmcLink::bulk_out(usb::Bytes data, Millis timeout) {
  co_return co_await usb::await_transfer(*device_, [&](usb::TransferHandler done) {
    device_->submit_bulk_out(std::move(data), timeout, std::move(done));
  });
}

asio::awaitable<usb::TransferResult> UsbtmcLink::bulk_in(std::size_t length, Millis timeout) {
  co_return co_await usb::await_transfer(
      *device_, [&](usb::TransferHandler done) { device_->submit_bulk_in(length, timeout, std::move(done)); });
}

asio::awaitable<usb::TransferResult> UsbtmcLink::control_in(Request request, std::uint8_t request_type,
                                                            std::uint16_t value, std::uint16_t index,
                                                            std::uint16_t length, Millis timeout) {
  const usb::ControlSetup setup{request_type, static_cast<std::uint8_t>(request), value, index, length};
  co_return co_await usb::await_transfer(
      *device_, [&](usb::TransferHandler done) { device_->submit_control(setup, {}, timeout, std::move(done)); });
}

asio::awaitable<usb::TransferResult> UsbtmcLink::clear_halt(std::uint8_t endpoint, Millis timeout) {
  co_return co_await usb::await_transfer(
      *device_, [&](usb::TransferHandler done) { device_->clear_halt(endpoint, timeout, std::move(done)); });
}

asio::awaitable<Result<usb::Bytes>> UsbtmcLink::class_request(Request request, std::uint8_t request_type,
                                                              std::uint16_t value, std::uint16_t index,
                                                              std::uint16_t length, Millis timeout) {
  if (!device_) co_return fail(require_open().error());
  auto r = co_await control_in(request, request_type, value, index, length, timeout);
  if (!r.ok()) co_return fail(transfer_error(r, fmt::format("{} on", usbtmc::to_string(request)), timeout, Pending::none));
  if (r.data.empty())
    co_return fail(Errc::protocol, fmt::format("{}: {} returned no status byte", describe(), usbtmc::to_string(request)));
  if (r.data[0] != static_cast<std::uint8_t>(ClassStatus::success) && r.data[0] != static_cast<std::uint8_t>(ClassStatus::pending))
    co_return fail(Errc::protocol,
                   fmt::format("{}: {} answered {}", describe(), usbtmc::to_string(request), usbtmc::status_name(r.data[0])));
  co_return std::move(r.data);
}

}  // namespace ledlab::io
