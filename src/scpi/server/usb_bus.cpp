#include "scpi/server/usb_bus.hpp"

#include "core/log.hpp"
#include "io/usbtmc/protocol.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>
#include <optional>
#include <stdexcept>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
namespace tmc = io::usbtmc;
using usb::Bytes;
using usb::TransferCode;
using usb::TransferResult;

struct UsbBus::State {
  UsbTwin inst;
  bool attached = true;
  int opens = 0;
  UsbFaults faults;
  scpi::server::ConnectionState connection;
  std::string input;   // DEV_DEP_MSG_OUT payload until EOM
  bool skipping_input = false;  // a message too long for the input buffer, dropped up to its EOM
  std::string output;  // reply bytes not yet requested
  struct Request {
    std::uint8_t tag;
    std::uint32_t max;
    bool never;  // swallowed: in progress, never answered
  };
  std::optional<Request> request;
  std::deque<Bytes> in_transfers;  // device-side Bulk-IN transfers, each ended by a short packet
  std::deque<Bytes> notifications;
  std::deque<Pending> bulk_in_waiters, interrupt_waiters, bulk_out_waiters;
  bool bulk_in_halted = false, bulk_out_halted = false;
  std::uint8_t last_out_tag = 0;
  int clear_polls_left = 0;
  int triggers = 0;
  std::string remote = "local";
  std::vector<std::string> control_log, bulk_log;
  bool off_by_fault = false;  // a twin fault (drop, outage) took it off the bus
  // Replies held back (simulated delay, stall) leave in order; a clear, an abort or an unplug
  // starts a new generation and the held replies of the old one are dropped.
  std::chrono::steady_clock::time_point held_until{};
  std::uint64_t generation = 0;
};

namespace {

constexpr std::string_view kModule = "sim-usb";
constexpr std::size_t kLogLimit = 4096;  // observations kept per device (a week-long sim run)

TransferResult result(TransferCode code, Bytes data = {}, std::size_t transferred = 0) {
  return TransferResult{code, std::move(data), transferred, {}};
}

void note(std::vector<std::string>& log, std::string entry) {
  if (log.size() >= kLogLimit) log.erase(log.begin(), log.begin() + kLogLimit / 2);
  log.push_back(std::move(entry));
}

// Everything the device was in the middle of is forgotten (clear, abort, reset).
void forget_exchange(auto& s) {
  s.input.clear();
  s.skipping_input = false;
  s.output.clear();
  s.request.reset();
  s.in_transfers.clear();
  s.held_until = {};
  ++s.generation;
}

}  // namespace

// ---- device handle: every call hops to the bus thread --------------------------------------

UsbBusDevice::UsbBusDevice(UsbBus& bus, std::size_t index) : bus_(bus), index_(index) {}
UsbBusDevice::~UsbBusDevice() { close(); }

const usb::InterfaceInfo& UsbBusDevice::info() const { return bus_.devices_[index_]->inst.info; }

void UsbBusDevice::submit_bulk_out(Bytes data, usb::Millis timeout, usb::TransferHandler done) {
  bus_.post([this, data = std::move(data), timeout, done = std::move(done)]() mutable {
    bus_.bulk_out(*bus_.devices_[index_], std::move(data), timeout, std::move(done));
  });
}

void UsbBusDevice::submit_bulk_in(std::size_t length, usb::Millis timeout, usb::TransferHandler done) {
  bus_.post([this, length, timeout, done = std::move(done)]() mutable {
    auto& s = *bus_.devices_[index_];
    if (!s.attached) return done(result(TransferCode::no_device));
    s.bulk_in_waiters.push_back(bus_.make_pending(s, length, timeout, std::move(done), s.bulk_in_waiters));
    bus_.serve_bulk_in(s);
  });
}

void UsbBusDevice::submit_interrupt_in(std::size_t length, usb::Millis timeout, usb::TransferHandler done) {
  bus_.post([this, length, timeout, done = std::move(done)]() mutable {
    auto& s = *bus_.devices_[index_];
    if (!s.attached) return done(result(TransferCode::no_device));
    s.interrupt_waiters.push_back(bus_.make_pending(s, length, timeout, std::move(done), s.interrupt_waiters));
    bus_.serve_interrupt(s);
  });
}

void UsbBusDevice::submit_control(usb::ControlSetup setup, Bytes, usb::Millis, usb::TransferHandler done) {
  bus_.post([this, setup, done = std::move(done)]() mutable { bus_.control(*bus_.devices_[index_], setup, std::move(done)); });
}

void UsbBusDevice::clear_halt(std::uint8_t endpoint, usb::Millis, usb::TransferHandler done) {
  bus_.post([this, endpoint, done = std::move(done)]() mutable {
    auto& s = *bus_.devices_[index_];
    if (!s.attached) return done(result(TransferCode::no_device));
    const bool in = (endpoint & 0x80) != 0;
    (in ? s.bulk_in_halted : s.bulk_out_halted) = false;
    note(s.control_log, in ? "CLEAR_HALT(Bulk-IN)" : "CLEAR_HALT(Bulk-OUT)");
    done(result(TransferCode::ok));
  });
}

void UsbBusDevice::cancel() {
  bus_.post([this] { bus_.fail_all(*bus_.devices_[index_], TransferCode::cancelled); });
}

void UsbBusDevice::close() {
  if (closed_) return;
  closed_ = true;
  bus_.sync([this] { bus_.fail_all(*bus_.devices_[index_], TransferCode::cancelled); });
}

// ---- the bus ----------------------------------------------------------------------------

UsbBus::UsbBus(std::shared_ptr<Clock> clock)
    : clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)), work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

UsbBus::~UsbBus() {
  sync([this] {
    for (auto& s : devices_) fail_all(*s, TransferCode::cancelled);
  });
  work_.reset();
  io_.stop();
  thread_.join();
}

void UsbBus::post(std::function<void()> f) { asio::post(io_, std::move(f)); }

void UsbBus::sync(const std::function<void()>& f) {
  if (std::this_thread::get_id() == thread_.get_id()) return f();
  std::promise<void> done;
  asio::post(io_, [&] {
    f();
    done.set_value();
  });
  done.get_future().get();
}

std::size_t UsbBus::attach(std::shared_ptr<scpi::server::Device> scpi, std::uint16_t vendor_id,
                           std::uint16_t product_id, std::string serial, bool with_interrupt_in,
                           std::uint16_t max_packet) {
  std::size_t index = 0;
  sync([&] {
    auto s = std::make_unique<State>();
    auto& i = s->inst.info;
    i.bus = 1;
    i.device_address = next_address_++;
    i.port_path = "1-" + std::to_string(devices_.size() + 1);
    i.vendor_id = vendor_id;
    i.product_id = product_id;
    i.serial = std::move(serial);
    i.manufacturer = scpi->identity().manufacturer;
    i.product = scpi->identity().model;
    i.protocol = 1;  // USB488
    i.bulk_out = 0x02;
    i.bulk_in = 0x81;
    i.interrupt_in = with_interrupt_in ? 0x83 : 0;
    i.bulk_in_max_packet = i.bulk_out_max_packet = max_packet;
    s->inst.scpi = std::move(scpi);
    devices_.push_back(std::move(s));
    index = devices_.size() - 1;
  });
  return index;
}

void UsbBus::unplug(std::size_t index) {
  sync([&] { take_off_bus(*devices_[index]); });
}

void UsbBus::replug(std::size_t index) {
  sync([&] { plug_in(*devices_[index]); });
}

void UsbBus::take_off_bus(State& s) {
  s.attached = false;
  ++s.generation;
  fail_all(s, TransferCode::no_device);
}

void UsbBus::take_off_by_fault(State& s, std::string_view fault) {
  log::info(kModule, "{}: injected {}: off the bus", s.inst.info.product, fault);
  s.off_by_fault = true;
  take_off_bus(s);
}

void UsbBus::plug_in(State& s) {
  s.attached = true;
  s.off_by_fault = false;
  s.inst.info.device_address = next_address_++;
  forget_exchange(s);
  s.bulk_in_halted = s.bulk_out_halted = false;
}

void UsbBus::return_from_fault(State& s) {
  if (s.off_by_fault && !s.inst.scpi->faults().in_outage()) {
    log::info(kModule, "{}: back on the bus after an injected fault", s.inst.info.product);
    plug_in(s);
  }
}

Result<std::vector<usb::InterfaceInfo>> UsbBus::list() {
  std::vector<usb::InterfaceInfo> out;
  sync([&] {
    for (auto& s : devices_) {
      return_from_fault(*s);
      if (s->attached) out.push_back(s->inst.info);
    }
  });
  return out;
}

Result<std::unique_ptr<usb::Device>> UsbBus::open(const usb::InterfaceInfo& interface) {
  std::optional<std::size_t> found;
  sync([&] {
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      return_from_fault(*devices_[i]);
      const auto& info = devices_[i]->inst.info;
      if (devices_[i]->attached && info.vendor_id == interface.vendor_id && info.product_id == interface.product_id &&
          info.serial == interface.serial) {
        found = i;
        ++devices_[i]->opens;
        break;
      }
    }
  });
  if (!found) return fail(Errc::unreachable, "fake bus: the device is not attached");
  return std::make_unique<UsbBusDevice>(*this, *found);
}

void UsbBus::arm(std::size_t index, UsbFaults faults) { sync([&] { devices_[index]->faults = faults; }); }

void UsbBus::execute(std::size_t index, const std::string& line) {
  sync([&] {
    ConnectionState state;
    (void)devices_[index]->inst.scpi->execute(line, state);
  });
}

void UsbBus::raise_srq(std::size_t index, std::uint8_t stb) {
  sync([&] {
    devices_[index]->notifications.push_back(Bytes{0x81, stb});
    serve_interrupt(*devices_[index]);
  });
}

template <class T>
T UsbBus::read(std::size_t index, T State::*member) {
  T out{};
  sync([&] { out = (*devices_[index]).*member; });
  return out;
}

std::vector<std::string> UsbBus::control_log(std::size_t index) { return read(index, &State::control_log); }
std::vector<std::string> UsbBus::bulk_log(std::size_t index) { return read(index, &State::bulk_log); }
int UsbBus::opens(std::size_t index) { return read(index, &State::opens); }
int UsbBus::triggers(std::size_t index) { return read(index, &State::triggers); }
std::string UsbBus::remote_state(std::size_t index) { return read(index, &State::remote); }

UsbBus::Pending UsbBus::make_pending(State&, std::size_t length, usb::Millis timeout,
                                     usb::TransferHandler done, std::deque<Pending>& queue) {
  Pending p{next_id_++, length, std::move(done), std::make_shared<asio::steady_timer>(io_)};
  p.timer->expires_after(timeout);
  p.timer->async_wait([&queue, id = p.id](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = std::ranges::find_if(queue, [id](const Pending& q) { return q.id == id; });
    if (it == queue.end()) return;
    auto done = std::move(it->done);
    queue.erase(it);
    done(result(TransferCode::timeout));
  });
  return p;
}

void UsbBus::fail_all(State& s, TransferCode code) {
  for (auto* queue : {&s.bulk_in_waiters, &s.interrupt_waiters, &s.bulk_out_waiters}) {
    auto waiting = std::move(*queue);
    queue->clear();
    for (auto& p : waiting) {
      p.timer->cancel();
      p.done(result(code));
    }
  }
}

// ---- the device side of USBTMC -------------------------------------------------------------

void UsbBus::bulk_out(State& s, Bytes data, usb::Millis timeout, usb::TransferHandler done) {
  if (!s.attached) return done(result(TransferCode::no_device));
  if (s.bulk_out_halted) return done(result(TransferCode::stall));
  auto header = tmc::parse_bulk_out_header(data);
  if (header) s.last_out_tag = header->tag;
  if (s.faults.hang_bulk_out) {
    s.faults.hang_bulk_out = false;
    note(s.bulk_log, "OUT (NAKed)");
    s.bulk_out_waiters.push_back(make_pending(s, data.size(), timeout, std::move(done), s.bulk_out_waiters));
    return;
  }
  // USBTMC 1.0 section 3.2.2.3: a malformed Bulk-OUT header halts the endpoint.
  if (!header || data.size() < tmc::kHeaderSize + (header->msg_id == tmc::MsgId::dev_dep_msg_out ? header->transfer_size : 0)) {
    s.bulk_out_halted = true;
    note(s.bulk_log, "OUT (malformed, halted)");
    return done(result(TransferCode::stall));
  }
  const std::size_t accepted = data.size();
  switch (header->msg_id) {
    case tmc::MsgId::dev_dep_msg_out: {
      const bool eom = (header->attributes & 0x01) != 0;
      note(s.bulk_log, "OUT tag=" + std::to_string(header->tag) + " size=" + std::to_string(header->transfer_size) +
                           " eom=" + (eom ? "1" : "0") + " padded=" + std::to_string(data.size()));
      receive_message_bytes(s, std::string_view(reinterpret_cast<const char*>(data.data()) + tmc::kHeaderSize,
                                                header->transfer_size),
                            eom);
      break;
    }
    case tmc::MsgId::request_dev_dep_msg_in: {
      note(s.bulk_log, "REQUEST tag=" + std::to_string(header->tag) + " max=" + std::to_string(header->transfer_size));
      const bool never = std::exchange(s.faults.swallow_request, false);
      s.request = State::Request{header->tag, header->transfer_size, never};
      if (std::exchange(s.faults.stall_bulk_in, false)) {
        s.bulk_in_halted = true;
        serve_bulk_in(s);
      }
      answer_request(s);
      break;
    }
    case tmc::MsgId::trigger:
      note(s.bulk_log, "TRIGGER tag=" + std::to_string(header->tag));
      ++s.triggers;
      break;
    default:
      s.bulk_out_halted = true;
      return done(result(TransferCode::stall));
  }
  done(result(TransferCode::ok, {}, accepted));
}

void UsbBus::receive_message_bytes(State& s, std::string_view bytes, bool eom) {
  // The input buffer is bounded as on TCP (Device::Buffers): a message that outgrows it is
  // refused once and the rest of it, up to its EOM, is dropped without being held.
  Device& twin = *s.inst.scpi;
  if (s.skipping_input) {
    s.skipping_input = !eom;
    return;
  }
  if (bytes.size() > twin.buffers.input_bytes - std::min(s.input.size(), twin.buffers.input_bytes)) {
    twin.input_overrun();
    s.input.clear();
    s.skipping_input = !eom;
    return;
  }
  s.input.append(bytes);
  if (eom) execute_message(s);
}

void UsbBus::queue_output(State& s, const std::string& reply) {
  // Replies the host never requests would pile up: past the output queue's size the unread
  // ones are dropped, as IEEE 488.2 6.3.2.3 drops them for a query interrupted by the next.
  Device& twin = *s.inst.scpi;
  if (s.output.size() + reply.size() > twin.buffers.output_bytes && !s.output.empty()) {
    twin.push_error(codes::query_interrupted, "Query INTERRUPTED; unread replies dropped");
    s.output.clear();
  }
  s.output += reply;
}

void UsbBus::execute_message(State& s) {
  std::string line = std::move(s.input);
  s.input.clear();
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  Device& twin = *s.inst.scpi;
  const bool was_out = twin.faults().in_outage();
  Outcome out = was_out ? Outcome{} : twin.execute(line, s.connection);
  if (was_out || twin.faults().in_outage() || out.fault.drop) {
    return take_off_by_fault(s, out.fault.drop ? "drop" : "outage");
  }
  if (!out.has_reply) return;
  if (out.fault.garble) twin.faults().garble_text(out.reply);
  deliver(s, out.reply + "\n",
          clock_->to_wall(out.delay_s) + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                             std::chrono::duration<double>(out.fault.stall_s)));
}

void UsbBus::deliver(State& s, std::string reply, std::chrono::steady_clock::duration hold) {
  const auto now = std::chrono::steady_clock::now();
  const auto at = std::max(now + hold, s.held_until);  // a reply never overtakes a held one
  if (at <= now) {
    queue_output(s, reply);
    return answer_request(s);
  }
  s.held_until = at;
  auto timer = std::make_shared<asio::steady_timer>(io_, at);
  timer->async_wait([this, &s, timer, generation = s.generation, reply = std::move(reply)](const boost::system::error_code& ec) {
    if (ec || generation != s.generation) return;
    queue_output(s, reply);
    answer_request(s);
  });
}

void UsbBus::answer_request(State& s) {
  if (!s.request || s.request->never || s.output.empty() || s.bulk_in_halted) return;
  const auto request = *s.request;
  s.request.reset();
  const std::size_t n = std::min<std::size_t>(request.max, s.output.size());
  const bool eom = n == s.output.size();
  Bytes bytes = tmc::encode_dev_dep_msg_in(request.tag, std::string_view(s.output).substr(0, n), eom);
  s.output.erase(0, n);
  if (std::exchange(s.faults.wrong_tag, false)) {
    bytes[1] = static_cast<std::uint8_t>(request.tag + 1);
    bytes[2] = static_cast<std::uint8_t>(~bytes[1]);
  }
  const auto claim = [&](std::uint32_t size) {
    for (int i = 0; i < 4; ++i) bytes[4 + i] = static_cast<std::uint8_t>(size >> (8 * i));
  };
  if (std::exchange(s.faults.oversize, false)) claim(request.max + 1);
  if (std::exchange(s.faults.truncate, false)) claim(static_cast<std::uint32_t>(n + 100));
  if (s.faults.split_at > 0 && bytes.size() > s.faults.split_at) {
    // Two device-side transfers: the first ends early with a short packet.
    s.in_transfers.emplace_back(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(s.faults.split_at));
    s.in_transfers.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(s.faults.split_at), bytes.end());
  } else {
    s.in_transfers.push_back(std::move(bytes));
  }
  serve_bulk_in(s);
}

void UsbBus::serve_bulk_in(State& s) {
  const std::size_t packet = s.inst.info.bulk_in_max_packet;
  while (!s.bulk_in_waiters.empty() && (s.bulk_in_halted || !s.in_transfers.empty())) {
    Pending w = std::move(s.bulk_in_waiters.front());
    s.bulk_in_waiters.pop_front();
    w.timer->cancel();
    if (s.bulk_in_halted) {
      w.done(result(TransferCode::stall));
      continue;
    }
    Bytes& t = s.in_transfers.front();
    if (t.size() <= w.length) {  // the whole device transfer fits: it ends with a short packet
      Bytes data = std::move(t);
      s.in_transfers.pop_front();
      w.done(result(TransferCode::ok, std::move(data)));
    } else if (w.length % packet != 0) {  // a full packet would not fit the host's buffer
      w.done(result(TransferCode::overflow));
    } else {
      Bytes data(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(w.length));
      t.erase(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(w.length));
      w.done(result(TransferCode::ok, std::move(data)));
    }
  }
}

void UsbBus::serve_interrupt(State& s) {
  while (!s.interrupt_waiters.empty() && !s.notifications.empty()) {
    Pending w = std::move(s.interrupt_waiters.front());
    s.interrupt_waiters.pop_front();
    w.timer->cancel();
    Bytes n = std::move(s.notifications.front());
    s.notifications.pop_front();
    w.done(result(TransferCode::ok, std::move(n)));
  }
}

void UsbBus::control(State& s, usb::ControlSetup setup, usb::TransferHandler done) {
  // Powered off: a serial poll finds no device either.
  if (s.attached && s.inst.scpi->faults().in_outage()) take_off_by_fault(s, "outage");
  if (!s.attached) return done(result(TransferCode::no_device));
  using R = tmc::Request;
  constexpr std::uint8_t ok = 0x01, pending = 0x02, failed = 0x80;
  const auto request = static_cast<R>(setup.request);
  Bytes reply;
  switch (request) {
    case R::get_capabilities: {
      tmc::Capabilities c;
      c.bcd_usbtmc = 0x0100;
      c.indicator_pulse = true;
      c.term_char = s.inst.term_char_capable;
      c.bcd_usb488 = 0x0100;
      c.is_488_2 = c.ren_control = c.trigger = c.scpi = c.rl1 = c.dt1 = true;
      c.sr1 = s.inst.info.interrupt_in != 0;
      reply = tmc::encode_capabilities(c);
      break;
    }
    case R::initiate_abort_bulk_out: {
      const bool match = static_cast<std::uint8_t>(setup.value) == s.last_out_tag;
      if (match) s.input.clear();
      reply = {match ? ok : failed, s.last_out_tag};
      break;
    }
    case R::check_abort_bulk_out_status: reply = {ok, 0, 0, 0, 0, 0, 0, 0}; break;
    case R::initiate_abort_bulk_in: {
      const bool match = (s.request && s.request->tag == setup.value) || !s.in_transfers.empty();
      if (match) {
        forget_exchange(s);
        s.in_transfers.push_back({});  // the short packet that ends the aborted transfer
        serve_bulk_in(s);
      }
      reply = {match ? ok : failed, static_cast<std::uint8_t>(setup.value)};
      break;
    }
    case R::check_abort_bulk_in_status: reply = {ok, 0, 0, 0, 0, 0, 0, 0}; break;
    case R::initiate_clear:
      forget_exchange(s);
      s.clear_polls_left = std::exchange(s.faults.clear_pending_polls, 0);
      reply = {ok};
      break;
    case R::check_clear_status:
      reply = {s.clear_polls_left > 0 ? pending : ok, 0};
      if (s.clear_polls_left > 0) --s.clear_polls_left;
      break;
    case R::read_status_byte: {
      const auto tag = static_cast<std::uint8_t>(setup.value);
      const std::uint8_t stb = s.inst.scpi->status().status_byte();
      if (s.inst.info.interrupt_in != 0) {
        s.notifications.push_back(Bytes{static_cast<std::uint8_t>(0x80 | tag), stb});
        reply = {ok, tag, 0};
        serve_interrupt(s);
      } else {
        reply = {ok, tag, stb};
      }
      break;
    }
    case R::ren_control:
      s.remote = (setup.value & 1) ? (s.remote == "lockout" ? "lockout" : "remote") : "local";
      reply = {ok};
      break;
    case R::go_to_local: s.remote = "local"; reply = {ok}; break;
    case R::local_lockout: s.remote = "lockout"; reply = {ok}; break;
    case R::indicator_pulse: reply = {ok}; break;
    default: return done(result(TransferCode::stall));
  }
  note(s.control_log, std::string(tmc::to_string(request)));
  if (reply.size() > setup.length) reply.resize(setup.length);
  done(result(TransferCode::ok, std::move(reply)));
}

}  // namespace ledlab::scpi::server
