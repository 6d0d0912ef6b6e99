// Endpoint discovery and result mapping of the libusb backend, on descriptors built by hand
// (the structs libusb_get_config_descriptor() would return), without a bus.
#include "io/usbtmc/libusb_backend.hpp"

#include <catch2/catch.hpp>
#include <libusb.h>

#include <array>
#include <vector>

using namespace ledlab::io::usb;

namespace {

libusb_endpoint_descriptor endpoint(std::uint8_t address, std::uint8_t type, std::uint16_t max_packet) {
  libusb_endpoint_descriptor e{};
  e.bLength = LIBUSB_DT_ENDPOINT_SIZE;
  e.bDescriptorType = LIBUSB_DT_ENDPOINT;
  e.bEndpointAddress = address;
  e.bmAttributes = type;
  e.wMaxPacketSize = max_packet;
  return e;
}

libusb_interface_descriptor interface(std::uint8_t number, std::uint8_t alt, std::uint8_t cls, std::uint8_t subclass,
                                      std::uint8_t protocol, const std::vector<libusb_endpoint_descriptor>& eps) {
  libusb_interface_descriptor d{};
  d.bLength = LIBUSB_DT_INTERFACE_SIZE;
  d.bDescriptorType = LIBUSB_DT_INTERFACE;
  d.bInterfaceNumber = number;
  d.bAlternateSetting = alt;
  d.bInterfaceClass = cls;
  d.bInterfaceSubClass = subclass;
  d.bInterfaceProtocol = protocol;
  d.bNumEndpoints = static_cast<std::uint8_t>(eps.size());
  d.endpoint = eps.data();
  return d;
}

// A configuration over caller-owned interface arrays (libusb's layout: one libusb_interface
// per interface number, each with its alternate settings).
struct Config {
  std::vector<std::vector<libusb_interface_descriptor>> alts;
  std::vector<libusb_interface> interfaces;
  libusb_config_descriptor descriptor{};

  const libusb_config_descriptor& build(std::uint8_t value) {
    interfaces.clear();
    for (auto& a : alts) interfaces.push_back(libusb_interface{a.data(), static_cast<int>(a.size())});
    descriptor.bConfigurationValue = value;
    descriptor.bNumInterfaces = static_cast<std::uint8_t>(interfaces.size());
    descriptor.interface = interfaces.data();
    return descriptor;
  }
};

constexpr std::uint8_t kBulk = LIBUSB_TRANSFER_TYPE_BULK;
constexpr std::uint8_t kInterrupt = LIBUSB_TRANSFER_TYPE_INTERRUPT;

}  // namespace

TEST_CASE("a USB488 interface yields its bulk and interrupt endpoints with packet sizes") {
  std::vector eps{endpoint(0x83, kInterrupt, 8), endpoint(0x02, kBulk, 512), endpoint(0x81, kBulk, 512)};
  Config config;
  config.alts = {{interface(0, 0, 0xFE, 0x03, 0x01, eps)}};
  auto found = usbtmc_interfaces(config.build(1));
  REQUIRE(found.size() == 1);
  CHECK(found[0].configuration == 1);
  CHECK(found[0].interface_number == 0);
  CHECK(found[0].is_usb488());
  CHECK(found[0].bulk_out == 0x02);
  CHECK(found[0].bulk_in == 0x81);
  CHECK(found[0].interrupt_in == 0x83);
  CHECK(found[0].bulk_out_max_packet == 512);
  CHECK(found[0].bulk_in_max_packet == 512);
}

TEST_CASE("a plain USBTMC interface without Interrupt-IN is listed with interrupt_in 0") {
  std::vector eps{endpoint(0x01, kBulk, 64), endpoint(0x82, kBulk, 64)};
  Config config;
  config.alts = {{interface(0, 0, 0xFE, 0x03, 0x00, eps)}};
  auto found = usbtmc_interfaces(config.build(1));
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].is_usb488());
  CHECK(found[0].interrupt_in == 0);
  CHECK(found[0].bulk_in_max_packet == 64);
}

TEST_CASE("only class FE subclass 03 protocol 0 or 1 with both bulk endpoints counts as USBTMC") {
  std::vector full{endpoint(0x01, kBulk, 64), endpoint(0x82, kBulk, 64)};
  std::vector out_only{endpoint(0x01, kBulk, 64)};
  Config config;
  config.alts = {
      {interface(0, 0, 0x03, 0x00, 0x00, full)},      // HID
      {interface(1, 0, 0xFE, 0x01, 0x00, full)},      // DFU (application class, subclass 1)
      {interface(2, 0, 0xFE, 0x03, 0x02, full)},      // unknown USBTMC subclass protocol
      {interface(3, 0, 0xFE, 0x03, 0x00, out_only)},  // no Bulk-IN: not usable
      {interface(4, 0, 0xFE, 0x03, 0x01, full)},
  };
  auto found = usbtmc_interfaces(config.build(2));
  REQUIRE(found.size() == 1);
  CHECK(found[0].interface_number == 4);
  CHECK(found[0].configuration == 2);
}

TEST_CASE("the first usable alternate setting of an interface is taken, once") {
  std::vector none{endpoint(0x83, kInterrupt, 8)};
  std::vector full{endpoint(0x01, kBulk, 64), endpoint(0x82, kBulk, 64)};
  Config config;
  config.alts = {{interface(0, 0, 0xFE, 0x03, 0x01, none), interface(0, 1, 0xFE, 0x03, 0x01, full),
                  interface(0, 2, 0xFE, 0x03, 0x01, full)}};
  auto found = usbtmc_interfaces(config.build(1));
  REQUIRE(found.size() == 1);
  CHECK(found[0].alt_setting == 1);
}

TEST_CASE("high-bandwidth bits of wMaxPacketSize are not part of the packet size") {
  // USB 2.0 table 9-13: bits 12..11 count extra transactions per microframe.
  std::vector eps{endpoint(0x01, kBulk, 0x1200), endpoint(0x82, kBulk, 0x0840)};
  Config config;
  config.alts = {{interface(0, 0, 0xFE, 0x03, 0x00, eps)}};
  auto found = usbtmc_interfaces(config.build(1));
  REQUIRE(found.size() == 1);
  CHECK(found[0].bulk_out_max_packet == 0x200);
  CHECK(found[0].bulk_in_max_packet == 0x40);
}

TEST_CASE("port paths read like the kernel's sysfs names") {
  std::array<std::uint8_t, 3> ports{4, 2, 1};
  CHECK(port_path(1, std::span(ports.data(), 1)) == "1-4");
  CHECK(port_path(3, ports) == "3-4.2.1");
  CHECK(port_path(2, {}) == "2");
}

TEST_CASE("libusb transfer statuses and errors map to the seam's transfer codes") {
  CHECK(code_for_transfer_status(LIBUSB_TRANSFER_COMPLETED) == TransferCode::ok);
  CHECK(code_for_transfer_status(LIBUSB_TRANSFER_TIMED_OUT) == TransferCode::timeout);
  CHECK(code_for_transfer_status(LIBUSB_TRANSFER_STALL) == TransferCode::stall);
  CHECK(code_for_transfer_status(LIBUSB_TRANSFER_NO_DEVICE) == TransferCode::no_device);
  CHECK(code_for_transfer_status(LIBUSB_TRANSFER_CANCELLED) == TransferCode::cancelled);
  CHECK(code_for_transfer_status(LIBUSB_TRANSFER_OVERFLOW) == TransferCode::overflow);
  CHECK(code_for_transfer_status(LIBUSB_TRANSFER_ERROR) == TransferCode::error);
  CHECK(code_for_error(LIBUSB_ERROR_NO_DEVICE) == TransferCode::no_device);
  CHECK(code_for_error(LIBUSB_ERROR_PIPE) == TransferCode::stall);
  CHECK(code_for_error(LIBUSB_ERROR_TIMEOUT) == TransferCode::timeout);
  CHECK(code_for_error(LIBUSB_ERROR_OVERFLOW) == TransferCode::overflow);
  CHECK(code_for_error(LIBUSB_ERROR_IO) == TransferCode::error);
  CHECK(to_string(TransferCode::no_device) == "no device");
}
