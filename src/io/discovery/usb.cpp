#include "io/discovery/usb.hpp"

#include <fmt/format.h>

namespace ledlab::io::discovery {

std::string usb_resource(const usb::InterfaceInfo& i) {
  std::string s = fmt::format("USB0::0x{:04X}::0x{:04X}", i.vendor_id, i.product_id);
  if (!i.serial.empty()) s += "::" + i.serial;
  if (i.interface_number != 0) s += fmt::format("::{}", i.interface_number);
  return s + "::INSTR";
}

Result<std::vector<Found>> find_usb() {
  auto backend = usb::link_backend();
  if (!backend) return fail(backend.error());
  auto interfaces = (*backend)->list();
  if (!interfaces) return fail(interfaces.error());
  std::vector<Found> out;
  for (const auto& i : *interfaces) {
    Found f;
    f.resource = usb_resource(i);
    f.via = "usb";
    f.name = i.product;
    if (!i.manufacturer.empty()) f.details.emplace_back("manufacturer", i.manufacturer);
    if (!i.product.empty()) f.details.emplace_back("product", i.product);
    f.details.emplace_back("port", i.port_path);
    // Listed even when it cannot be opened: the *IDN? error then says why (permissions).
    if (!i.access_error.empty()) f.details.emplace_back("access", i.access_error);
    add_found(out, std::move(f));
  }
  return out;
}

}  // namespace ledlab::io::discovery
