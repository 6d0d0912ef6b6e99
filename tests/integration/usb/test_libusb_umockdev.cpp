// The libusb backend against a USB488 power meter that exists only as a umockdev testbed and
// a usbmon replay (usbtmc_replay.py, scenario "seam"). Runs under umockdev-run through ctest;
// outside it the bus is empty and the first test says so.
//
// Every expected byte is written out here from the USBTMC 1.0 / USB488 tables, not produced by
// ledlab's encoder, so this test and the framing code check each other.
#include "io/usbtmc/usb_device.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

using namespace ledlab;
using namespace ledlab::io::usb;
using namespace std::chrono_literals;

namespace {

// A handler that remembers the result and the thread it ran on.
struct Outcome {
  TransferResult result;
  std::thread::id thread;
};

struct Waiter {
  std::promise<Outcome> promise;
  std::future<Outcome> future = promise.get_future();
  TransferHandler handler() {
    return [this](TransferResult r) { promise.set_value({std::move(r), std::this_thread::get_id()}); };
  }
  Outcome get() {
    // The replay answers in milliseconds; 10 s only keeps a stuck replay from hanging ctest.
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    return future.get();
  }
};

std::shared_ptr<Backend> backend() {
  auto b = libusb_backend();
  REQUIRE(b.has_value());
  return *b;
}

InterfaceInfo the_power_meter() {
  INFO("run under umockdev-run, e.g. ctest -R usb_libusb_replay (UMOCKDEV_DIR="
       << (std::getenv("UMOCKDEV_DIR") ? std::getenv("UMOCKDEV_DIR") : "unset") << ")");
  auto found = backend()->list();
  REQUIRE(found.has_value());
  REQUIRE(found->size() == 1);
  return found->front();
}

Bytes bytes(std::initializer_list<int> values) {
  Bytes b;
  for (int v : values) b.push_back(static_cast<std::uint8_t>(v));
  return b;
}

Bytes with_text(Bytes header, std::string_view text, std::size_t padding) {
  header.insert(header.end(), text.begin(), text.end());
  header.insert(header.end(), padding, 0);
  return header;
}

}  // namespace

TEST_CASE("the replayed PM100 is listed with its USB488 interface, endpoints and sysfs strings") {
  InterfaceInfo pm = the_power_meter();
  CHECK(pm.vendor_id == 0x1313);
  CHECK(pm.product_id == 0x8078);
  CHECK(pm.serial == "P0012345");
  CHECK(pm.manufacturer == "Thorlabs");
  CHECK(pm.product == "PM100USB");
  CHECK(pm.bus == 1);
  CHECK(pm.device_address == 5);
  CHECK(pm.port_path == "1-4");
  CHECK(pm.configuration == 1);
  CHECK(pm.interface_number == 0);
  CHECK(pm.is_usb488());
  CHECK(pm.bulk_out == 0x01);
  CHECK(pm.bulk_in == 0x82);
  CHECK(pm.interrupt_in == 0x83);
  CHECK(pm.bulk_in_max_packet == 64);
  CHECK(pm.access_error.empty());
}

TEST_CASE("opening an instrument that is not on its port any more is Errc::unreachable") {
  InterfaceInfo moved = the_power_meter();
  moved.port_path = "1-3";
  auto device = backend()->open(moved);
  REQUIRE_FALSE(device.has_value());
  CHECK(device.error().code == Errc::unreachable);
  CHECK_THAT(device.error().message, Catch::Contains("1313:8078") && Catch::Contains("1-3"));
}

TEST_CASE("GET_CAPABILITIES, *IDN?, SRQ, a stall, a timeout, a cancel and an unplug through libusb") {
  auto opened = backend()->open(the_power_meter());
  REQUIRE(opened.has_value());
  Device& pm = **opened;

  // USBTMC 1.0 table 36: GET_CAPABILITIES, class request to interface 0, 0x18 bytes.
  Waiter caps;
  pm.submit_control({.request_type = 0xA1, .request = 7, .value = 0, .index = 0, .length = 0x18}, {}, 1000ms,
                    caps.handler());
  Outcome c = caps.get();
  REQUIRE(c.result.code == TransferCode::ok);
  // Table 37 / USB488 table 8: SUCCESS, bcdUSBTMC 1.00, bcdUSB488 1.00, 488.2, SCPI + SR1.
  CHECK(c.result.data == bytes({0x01, 0, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                0x00, 0x01, 0x04, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(c.thread != std::this_thread::get_id());  // handlers run on libusb's event thread

  // Table 3: DEV_DEP_MSG_OUT, bTag 1, ~bTag 0xFE, TransferSize 6, EOM; 2 alignment bytes.
  Waiter out;
  pm.submit_bulk_out(with_text(bytes({1, 1, 0xFE, 0, 6, 0, 0, 0, 0x01, 0, 0, 0}), "*IDN?\n", 2), 1000ms,
                     out.handler());
  Outcome o = out.get();
  CHECK(o.result.code == TransferCode::ok);
  CHECK(o.result.transferred == 20);

  // Table 4: REQUEST_DEV_DEP_MSG_IN, bTag 2, at most 52 bytes, no TermChar.
  Waiter request;
  pm.submit_bulk_out(bytes({2, 2, 0xFD, 0, 52, 0, 0, 0, 0, 0, 0, 0}), 1000ms, request.handler());
  CHECK(request.get().result.transferred == 12);

  // Table 9: DEV_DEP_MSG_IN echoing bTag 2, TransferSize 33, EOM; 3 alignment bytes.
  Waiter reply;
  pm.submit_bulk_in(64, 1000ms, reply.handler());
  Outcome r = reply.get();
  REQUIRE(r.result.code == TransferCode::ok);
  CHECK(r.result.data == with_text(bytes({2, 2, 0xFD, 0, 33, 0, 0, 0, 0x01, 0, 0, 0}),
                                   "Thorlabs,PM100USB,P0012345,1.6.0\n", 3));

  // USB488 table 7: an SRQ notification on Interrupt-IN, bNotify1 0x81, STB 0x40 (RQS).
  Waiter srq;
  pm.submit_interrupt_in(2, 1000ms, srq.handler());
  CHECK(srq.get().result.data == bytes({0x81, 0x40}));

  // The device halts Bulk-IN (a STALL handshake): stall, then CLEAR_FEATURE clears it.
  Waiter stalled;
  pm.submit_bulk_in(64, 1000ms, stalled.handler());
  Outcome s = stalled.get();
  CHECK(s.result.code == TransferCode::stall);
  CHECK(s.result.data.empty());
  Waiter cleared;
  pm.clear_halt(0x82, 1000ms, cleared.handler());
  CHECK(cleared.get().result.code == TransferCode::ok);

  // Nothing in the replay answers these: libusb's own timer ends the first, cancel() the second.
  Waiter silent;
  pm.submit_bulk_in(64, 200ms, silent.handler());
  CHECK(silent.get().result.code == TransferCode::timeout);
  Waiter cancelled;
  pm.submit_bulk_in(64, 10000ms, cancelled.handler());
  pm.cancel();
  CHECK(cancelled.get().result.code == TransferCode::cancelled);

  // The instrument is unplugged while the next command goes out (URB status -ENODEV).
  Waiter unplugged;
  pm.submit_bulk_out(with_text(bytes({1, 3, 0xFC, 0, 10, 0, 0, 0, 0x01, 0, 0, 0}), "MEAS:POW?\n", 2), 1000ms,
                     unplugged.handler());
  CHECK(unplugged.get().result.code == TransferCode::no_device);

  // close() waits for a transfer still in flight, whose handler has run when it returns.
  bool ran = false;
  pm.submit_bulk_in(64, 10000ms, [&ran](TransferResult result) { ran = result.code == TransferCode::cancelled; });
  pm.close();
  CHECK(ran);

  // After close() a submit still gets exactly one answer: cancelled.
  Waiter late;
  pm.submit_bulk_out(bytes({1}), 1000ms, late.handler());
  CHECK(late.get().result.code == TransferCode::cancelled);
  pm.close();  // idempotent
}

TEST_CASE("a handler may close and destroy the device whose transfer it reports") {
  auto opened = backend()->open(the_power_meter());
  REQUIRE(opened.has_value());
  std::unique_ptr<Device> pm = std::move(*opened);
  std::promise<TransferCode> seen;
  // The replay is exhausted by now: nothing answers, the 100 ms timeout ends the read.
  pm->submit_bulk_in(64, 100ms, [&](TransferResult r) {
    pm.reset();  // close() from inside our own handler, then the destructor
    seen.set_value(r.code);
  });
  auto code = seen.get_future();
  REQUIRE(code.wait_for(10s) == std::future_status::ready);
  CHECK(code.get() == TransferCode::timeout);
  CHECK(pm == nullptr);
}
