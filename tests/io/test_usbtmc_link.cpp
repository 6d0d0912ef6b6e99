// The USBTMC link above the libusb seam, against a fake USB488 instrument on a fake bus whose
// transfers complete on their own thread (as libusb's event thread does).
#include "io/usbtmc/usbtmc_link.hpp"
#include "scpi/session.hpp"
#include "scpi/server/usb_bus.hpp"
#include "support/co_run.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace ledlab;
using ledlab::scpi::server::UsbBus;
using ledlab::scpi::server::UsbFaults;

namespace {

// Bytes that cover every value and do not repeat with a short period.
std::string expected_block(std::size_t n) {
  std::string block(n, '\0');
  for (std::size_t i = 0; i < n; ++i) block[i] = static_cast<char>((i * 7 + i / 251) & 0xFF);
  return block;
}

std::shared_ptr<scpi::server::Device> meter(std::size_t block_bytes = 0) {
  auto d = std::make_shared<scpi::server::Device>(scpi::server::Identity{"Thorlabs", "PM100USB", "P0012345", "1.7.0"});
  d->on("DATA", {}, [block = expected_block(block_bytes)](scpi::server::Request& r) { r.reply_block(block); });
  d->on("SLOW", {}, [](scpi::server::Request& r) {  // measurements that take 0.2 s and 0.6 s (scale 1)
    r.reply("slow");
    r.delay_s = 0.2;
  });
  d->on("SLOWER", {}, [](scpi::server::Request& r) {
    r.reply("slower");
    r.delay_s = 0.6;
  });
  return d;
}

struct Bench {
  explicit Bench(std::size_t block_bytes = 0, bool interrupt_in = true, std::uint16_t vid = 0x1313,
                 std::uint16_t pid = 0x8078)
      : bus(std::make_shared<UsbBus>()),
        index(bus->attach(meter(block_bytes), vid, pid, "P0012345", interrupt_in)) {
    auto address = io::parse_address(fmt::format("usbtmc://{:04x}:{:04x}/P0012345", vid, pid));
    auto owned = std::make_unique<io::UsbtmcLink>(io.get_executor(), *address, bus);
    link = owned.get();
    scpi::SessionOptions options;
    options.timeout = io::Millis{300};
    options.reconnect_attempts = 1;
    session = std::make_unique<scpi::Session>("pm", std::move(owned), options);
  }
  Result<std::string> query(std::string command) { return test::run(io, session->query(std::move(command))); }
  std::vector<std::string> controls() { return bus->control_log(index); }

  boost::asio::io_context io;
  std::shared_ptr<UsbBus> bus;
  std::size_t index;
  io::UsbtmcLink* link = nullptr;
  std::unique_ptr<scpi::Session> session;
};

bool contains_in_order(const std::vector<std::string>& log, const std::vector<std::string>& wanted) {
  auto it = log.begin();
  for (const auto& w : wanted) {
    it = std::find(it, log.end(), w);
    if (it == log.end()) return false;
    ++it;
  }
  return true;
}

}  // namespace

TEST_CASE("a *IDN? query goes out as DEV_DEP_MSG_OUT with EOM and comes back through REQUEST_DEV_DEP_MSG_IN") {
  Bench b;
  auto idn = test::run(b.io, b.session->identify());
  REQUIRE(idn);
  CHECK(idn->manufacturer == "Thorlabs");
  CHECK(idn->serial == "P0012345");
  CHECK(b.controls().front() == "GET_CAPABILITIES");
  CHECK(b.link->capabilities().bcd_usb488 == 0x0100);
  const auto log = b.bus->bulk_log(b.index);
  REQUIRE(log.size() == 2);
  CHECK(log[0] == "OUT tag=1 size=6 eom=1 padded=20");  // "*IDN?\n": 12 + 6 rounded up to 20
  CHECK(log[1].starts_with("REQUEST tag=2 max="));
}

TEST_CASE("bTags advance on every Bulk-OUT transfer and wrap from 255 to 1, never 0") {
  Bench b;
  for (int i = 0; i < 140; ++i) REQUIRE(b.query("*OPC?"));  // 280 transfers
  const auto log = b.bus->bulk_log(b.index);
  REQUIRE(log.size() == 280);
  CHECK(log[254].find("tag=255 ") != std::string::npos);
  CHECK(log[255].find("tag=1 ") != std::string::npos);
  CHECK(std::none_of(log.begin(), log.end(), [](const std::string& l) { return l.find("tag=0 ") != std::string::npos; }));
}

TEST_CASE("a binary block larger than one transfer arrives over several REQUESTs and split Bulk-IN transfers") {
  Bench b(100'000);
  b.bus->arm(b.index, UsbFaults{.split_at = 100});
  auto block = test::run(b.io, b.session->query_block("DATA?"));
  REQUIRE(block);
  CHECK(*block == expected_block(100'000));
  const auto log = b.bus->bulk_log(b.index);
  const auto requests = std::count_if(log.begin(), log.end(), [](const std::string& l) { return l.starts_with("REQUEST"); });
  CHECK(requests >= 7);  // 16 KiB per REQUEST: the message continues until EOM
  // The link is in step afterwards.
  CHECK(b.query("*IDN?").value().starts_with("Thorlabs,PM100USB"));
}

TEST_CASE("a long command is split into Bulk-OUT transfers with EOM on the last one only") {
  // 1ab1:04ce is in the quirk table with 2048-byte transfers.
  Bench b(0, true, 0x1ab1, 0x04ce);
  const std::string command = "SYST:TEXT \"" + std::string(5000, 'x') + "\"";
  REQUIRE(test::run(b.io, b.session->write(command)));
  const auto log = b.bus->bulk_log(b.index);
  // The quirk's clear-on-open ran first; then three transfers.
  REQUIRE(log.size() == 3);
  CHECK(log[0] == "OUT tag=1 size=2048 eom=0 padded=2060");
  CHECK(log[1] == "OUT tag=2 size=2048 eom=0 padded=2060");
  CHECK(log[2] == fmt::format("OUT tag=3 size={} eom=1 padded={}", command.size() + 1 - 4096,
                              io::usbtmc::padded_size(command.size() + 1 - 4096)));
  CHECK(b.controls()[1] == "INITIATE_CLEAR");
}

TEST_CASE("a query the device never answers times out, and the link aborts the Bulk-IN transfer, clears, and goes on") {
  Bench b;
  REQUIRE(b.query("*IDN?"));
  b.bus->arm(b.index, UsbFaults{.swallow_request = true});
  auto r = b.query("*IDN?");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::timeout);
  CHECK(r.error().instrument == "pm");
  CHECK(contains_in_order(b.controls(), {"INITIATE_ABORT_BULK_IN", "CHECK_ABORT_BULK_IN_STATUS", "INITIATE_CLEAR",
                                         "CHECK_CLEAR_STATUS", "CLEAR_HALT(Bulk-OUT)"}));
  auto again = b.query("*IDN?");
  REQUIRE(again);
  CHECK(again->starts_with("Thorlabs"));
}

TEST_CASE("a twin's reply delay holds its USB reply back, and a reply abandoned by a timeout never reaches the next query") {
  Bench b;
  const auto start = std::chrono::steady_clock::now();
  auto slow = b.query("SLOW?");
  REQUIRE(slow);
  CHECK(*slow == "slow");
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(200));

  auto late = b.query("SLOWER?");  // longer than the 300 ms timeout
  REQUIRE_FALSE(late);
  CHECK(late.error().code == Errc::timeout);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the held reply's time passes
  auto next = b.query("*IDN?");
  REQUIRE(next);
  CHECK(next->starts_with("Thorlabs"));  // not "slow": the clear dropped it
}

TEST_CASE("a Bulk-OUT transfer the device NAKs times out and is aborted with INITIATE_ABORT_BULK_OUT") {
  Bench b;
  b.bus->arm(b.index, UsbFaults{.hang_bulk_out = true});
  auto r = b.query("*IDN?");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::timeout);
  CHECK(contains_in_order(b.controls(), {"INITIATE_ABORT_BULK_OUT", "CHECK_ABORT_BULK_OUT_STATUS",
                                         "CLEAR_HALT(Bulk-OUT)", "INITIATE_CLEAR"}));
  CHECK(b.query("*IDN?"));
}

TEST_CASE("a reply with a wrong bTag, an oversize TransferSize or a truncated transfer is a protocol error, then recovered") {
  Bench b;
  SECTION("wrong bTag") {
    b.bus->arm(b.index, UsbFaults{.wrong_tag = true});
    auto r = b.query("*IDN?");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::protocol);
    CHECK_THAT(r.error().message, Catch::Contains("bTag 3 answers no request (expected 2)"));
  }
  SECTION("TransferSize above the request") {
    b.bus->arm(b.index, UsbFaults{.oversize = true});
    auto r = b.query("*IDN?");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("exceeds the"));
  }
  SECTION("transfer ends before TransferSize bytes") {
    b.bus->arm(b.index, UsbFaults{.truncate = true});
    auto r = b.query("*IDN?");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::timeout);  // the device goes silent, as USB devices do
    // 33 bytes of reply + 3 alignment bytes arrived; the header claimed 33 + 100.
    CHECK_THAT(r.error().message, Catch::Contains("stopped after 36 of the 133 bytes its header announced"));
  }
  CHECK(contains_in_order(b.controls(), {"INITIATE_ABORT_BULK_IN", "INITIATE_CLEAR"}));
  CHECK(b.query("*IDN?").value().starts_with("Thorlabs"));
}

TEST_CASE("a halted Bulk-IN endpoint is reported as a STALL, its halt cleared, and the next query works") {
  Bench b;
  b.bus->arm(b.index, UsbFaults{.stall_bulk_in = true});
  auto r = b.query("*IDN?");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::io);
  CHECK_THAT(r.error().message, Catch::Contains("STALL"));
  CHECK(contains_in_order(b.controls(), {"CLEAR_HALT(Bulk-IN)"}));
  CHECK(b.query("*IDN?"));
}

TEST_CASE("READ_STATUS_BYTE gets the status byte from the Interrupt-IN endpoint, skipping SRQ notifications") {
  Bench b;
  REQUIRE(test::run(b.io, b.session->write("NOT:A:COMMAND")));  // queues -113: EAV in the STB
  REQUIRE(test::run(b.io, b.link->connect(io::Millis{300})));
  b.bus->raise_srq(b.index, 0x44);
  auto stb = test::run(b.io, b.link->read_status_byte(io::Millis{300}));
  REQUIRE(stb);
  CHECK((*stb & 0x04) != 0);  // EAV: the error queue is not empty
  CHECK(b.link->service_requests() == 1);
  CHECK(b.controls().back() == "READ_STATUS_BYTE");
}

TEST_CASE("READ_STATUS_BYTE without an Interrupt-IN endpoint takes the STB from the control reply") {
  Bench b(0, false);
  REQUIRE(test::run(b.io, b.link->connect(io::Millis{300})));
  auto stb = test::run(b.io, b.link->read_status_byte(io::Millis{300}));
  REQUIRE(stb);
  CHECK(*stb == 0);
  REQUIRE(test::run(b.io, b.session->write("NOT:A:COMMAND")));
  CHECK((test::run(b.io, b.link->read_status_byte(io::Millis{300})).value() & 0x04) != 0);
}

TEST_CASE("the session's status byte is a serial poll on USB488: nothing crosses the message pipes") {
  Bench b;
  CHECK_FALSE(b.link->has_serial_poll());  // not known before GET_CAPABILITIES
  REQUIRE(test::run(b.io, b.session->write("NOT:A:COMMAND")));  // connects; queues -113: EAV
  CHECK(b.link->has_serial_poll());
  const auto bulk_before = b.bus->bulk_log(b.index);
  auto stb = test::run(b.io, b.session->status_byte());
  REQUIRE(stb);
  CHECK((*stb & 0x04) != 0);
  CHECK(b.bus->bulk_log(b.index) == bulk_before);  // no *STB? message, no REQUEST
  CHECK(b.controls().back() == "READ_STATUS_BYTE");
}

TEST_CASE("REN_CONTROL, LOCAL_LOCKOUT, GO_TO_LOCAL and TRIGGER reach the instrument") {
  Bench b;
  REQUIRE(test::run(b.io, b.link->connect(io::Millis{300})));
  REQUIRE(test::run(b.io, b.link->set_remote(io::RemoteState::remote, io::Millis{300})));
  CHECK(b.bus->remote_state(b.index) == "remote");
  REQUIRE(test::run(b.io, b.link->set_remote(io::RemoteState::local_lockout, io::Millis{300})));
  CHECK(b.bus->remote_state(b.index) == "lockout");
  REQUIRE(test::run(b.io, b.link->set_remote(io::RemoteState::local, io::Millis{300})));
  CHECK(b.bus->remote_state(b.index) == "local");
  REQUIRE(test::run(b.io, b.link->trigger(io::Millis{300})));
  CHECK(b.bus->triggers(b.index) == 1);
}

TEST_CASE("a device clear polls CHECK_CLEAR_STATUS while the device answers PENDING") {
  Bench b;
  REQUIRE(test::run(b.io, b.link->connect(io::Millis{300})));
  b.bus->arm(b.index, UsbFaults{.clear_pending_polls = 3});
  REQUIRE(test::run(b.io, b.link->device_clear(io::Millis{300})));
  const auto log = b.controls();
  CHECK(std::count(log.begin(), log.end(), "CHECK_CLEAR_STATUS") == 4);
  CHECK(log.back() == "CLEAR_HALT(Bulk-OUT)");
}

TEST_CASE("an unplugged instrument fails with Errc::unplugged and is reconnected once plugged back in") {
  Bench b;
  REQUIRE(b.query("*IDN?"));
  b.bus->unplug(b.index);
  auto r = b.query("*IDN?");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unplugged);
  CHECK_THAT(r.error().message, Catch::Contains("unplugged"));
  auto while_away = b.query("*IDN?");  // the session tries to reconnect: not attached
  REQUIRE_FALSE(while_away);
  CHECK(while_away.error().code == Errc::unreachable);
  CHECK_THAT(while_away.error().message, Catch::Contains("usbtmc://1313:8078/P0012345 is not attached"));
  b.bus->replug(b.index);
  auto back = b.query("*IDN?");
  REQUIRE(back);
  CHECK(back->starts_with("Thorlabs"));
  CHECK(b.bus->opens(b.index) == 2);
}

TEST_CASE("a TCP link has no serial poll or device clear, and says so") {
  boost::asio::io_context io;
  auto link = io::make_link(*io::parse_address("tcp://127.0.0.1:5025"), io.get_executor());
  REQUIRE(link);
  auto stb = test::run(io, (*link)->read_status_byte(io::Millis{100}));
  REQUIRE_FALSE(stb);
  CHECK(stb.error().code == Errc::invalid_argument);
  CHECK_THAT(stb.error().message, Catch::Contains("tcp://127.0.0.1:5025"));
}

TEST_CASE("the address names the instrument: a serial that is not attached lists what is") {
  std::vector<io::usb::InterfaceInfo> attached(1);
  attached[0].vendor_id = 0x1313;
  attached[0].product_id = 0x8078;
  attached[0].serial = "P0099999";
  auto r = io::find_interface(attached, *io::parse_address("USB0::0x1313::0x8078::P0012345::INSTR"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unreachable);
  CHECK_THAT(r.error().message, Catch::Contains("attached: usbtmc://1313:8078/P0099999"));
  CHECK(io::find_interface(attached, *io::parse_address("usbtmc://1313:8078")));
}

TEST_CASE("a message longer than the USB twin's input buffer is refused once with -363 and the next one runs") {
  auto device = meter();
  device->buffers.input_bytes = 4096;
  auto bus = std::make_shared<UsbBus>();
  bus->attach(device, 0x1313, 0x8078, "P0012345");
  boost::asio::io_context io;
  auto address = io::parse_address("usbtmc://1313:8078/P0012345");
  scpi::SessionOptions options;
  options.timeout = io::Millis{2000};
  scpi::Session session("pm", std::make_unique<io::UsbtmcLink>(io.get_executor(), *address, bus), options);
  REQUIRE(test::run(io, session.write(std::string(100000, 'A'))));
  auto idn = test::run(io, session.query("*IDN?"));
  REQUIRE(idn);
  CHECK(idn->starts_with("Thorlabs,PM100USB"));
  auto errors = test::run(io, session.drain_errors());
  REQUIRE(errors);
  REQUIRE(errors->size() == 1);
  CHECK(errors->front().code == -363);
  CHECK(errors->front().message.starts_with("Input buffer overrun"));
}

TEST_CASE("replies the host never requests are dropped with -410 once they outgrow the USB twin's output queue") {
  auto device = meter();
  device->buffers.output_bytes = 64;  // room for one *IDN? reply, not two
  auto bus = std::make_shared<UsbBus>();
  bus->attach(device, 0x1313, 0x8078, "P0012345");
  boost::asio::io_context io;
  auto address = io::parse_address("usbtmc://1313:8078/P0012345");
  scpi::Session session("pm", std::make_unique<io::UsbtmcLink>(io.get_executor(), *address, bus));
  for (int i = 0; i < 3; ++i) REQUIRE(test::run(io, session.write("*IDN?")));  // never read
  auto idn = test::run(io, session.query("*IDN?"));
  REQUIRE(idn);
  CHECK(idn->starts_with("Thorlabs,PM100USB"));
  auto errors = test::run(io, session.drain_errors());
  REQUIRE(errors);
  REQUIRE(errors->size() == 3);
  for (const auto& e : *errors) CHECK(e.code == -410);
}
