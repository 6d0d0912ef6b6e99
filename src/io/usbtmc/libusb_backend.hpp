#pragma once
// usb::Backend and usb::Device over libusb-1.0: one libusb context per process, one event
// thread that completes every transfer, string descriptors from sysfs where Linux has them.
// libusb_backend() (declared in usb_device.hpp) is the way in; the functions below are the
// pure parts, apart so the unit tests can reach them without a bus.
#include "io/usbtmc/usb_device.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

struct libusb_config_descriptor;

namespace ledlab::io::usb {

// The USBTMC interfaces of one configuration: class 0xFE, subclass 0x03, protocol 0 (USBTMC)
// or 1 (USB488), with one Bulk-OUT and one Bulk-IN endpoint (USBTMC 1.0 section 5.5,
// table 43) and, when present, the Interrupt-IN one (USB488 section 4.2.1). Fills the
// configuration, interface, alternate setting, protocol and endpoint fields only; the first
// matching alternate setting of each interface wins. An interface of the class missing a bulk
// endpoint is not usable and is left out.
std::vector<InterfaceInfo> usbtmc_interfaces(const libusb_config_descriptor& config);

// "1-4.2": the bus, then the port at each hub from the root (the kernel's sysfs name).
std::string port_path(std::uint8_t bus, std::span<const std::uint8_t> ports);

// How a libusb transfer ended (LIBUSB_TRANSFER_*) and why a call failed (LIBUSB_ERROR_*),
// in the seam's words.
TransferCode code_for_transfer_status(int libusb_transfer_status);
TransferCode code_for_error(int libusb_error);

}  // namespace ledlab::io::usb
