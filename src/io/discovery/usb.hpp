#pragma once
// USBTMC instruments on the bus the links open through (libusb, or the simulated bus a
// simulated station installs), as VISA resource strings.
#include "core/error.hpp"
#include "io/discovery/found.hpp"
#include "io/usbtmc/usb_device.hpp"

#include <string>
#include <vector>

namespace ledlab::io::discovery {

// VPP-4.3 section 4.3.1.1: USB[board]::manufacturer ID::model code::serial number[::USB
// interface number]::INSTR; the interface number only when it is not the first, as NI-VISA
// and pyvisa print it.
std::string usb_resource(const usb::InterfaceInfo& interface);

Result<std::vector<Found>> find_usb();

}  // namespace ledlab::io::discovery
