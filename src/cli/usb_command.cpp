// ledlab list-usb: every USBTMC interface on the USB buses, with the addresses to reach it.
#include "cli/commands.hpp"
#include "io/address.hpp"
#include "io/discovery/usb.hpp"
#include "io/usbtmc/usb_device.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace ledlab::cli {
namespace {

using io::usb::InterfaceInfo;

std::string visa_resource(const InterfaceInfo& i) { return io::discovery::usb_resource(i); }

std::string ledlab_address(const InterfaceInfo& i) {
  io::Address a;
  a.kind = io::Address::Kind::usbtmc;
  a.vendor_id = i.vendor_id;
  a.product_id = i.product_id;
  a.serial = i.serial;
  return a.canonical();
}

std::string endpoint_list(const InterfaceInfo& i) {
  std::string s = fmt::format("bulk-out 0x{:02x} ({} B packets), bulk-in 0x{:02x} ({} B packets)", i.bulk_out,
                              i.bulk_out_max_packet, i.bulk_in, i.bulk_in_max_packet);
  s += i.interrupt_in != 0 ? fmt::format(", interrupt-in 0x{:02x}", i.interrupt_in) : ", no interrupt-in";
  return s;
}

std::string access_hint(const InterfaceInfo& i) {
  return fmt::format(
      "give your user access with a udev rule, e.g. /etc/udev/rules.d/70-ledlab-usbtmc.rules:\n"
      "      SUBSYSTEM==\"usb\", ATTR{{idVendor}}==\"{:04x}\", ATTR{{idProduct}}==\"{:04x}\", MODE=\"0660\", "
      "GROUP=\"plugdev\", TAG+=\"uaccess\"\n"
      "    then `sudo udevadm control --reload && sudo udevadm trigger`, replug, and be in group plugdev",
      i.vendor_id, i.product_id);
}

void print_text(const std::vector<InterfaceInfo>& found, std::ostream& out) {
  if (found.empty()) {
    out << "no USBTMC instruments attached\n";
    return;
  }
  for (const auto& i : found) {
    out << visa_resource(i) << '\n';
    out << fmt::format("  address     {}\n", ledlab_address(i));
    out << fmt::format("  instrument  {} {}{}\n", i.manufacturer.empty() ? "(no manufacturer string)" : i.manufacturer,
                       i.product.empty() ? "(no product string)" : i.product,
                       i.serial.empty() ? ", no serial number" : ", serial " + i.serial);
    out << fmt::format("  interface   {} (class FE/03/{:02X}), interface {} of configuration {}\n",
                       i.is_usb488() ? "USB488" : "USBTMC", i.protocol, i.interface_number, i.configuration);
    out << fmt::format("  usb         bus {}, port {}, address {}\n", i.bus, i.port_path, i.device_address);
    out << fmt::format("  endpoints   {}\n", endpoint_list(i));
    if (!i.access_error.empty())
      out << fmt::format("  access      {}\n    {}\n", i.access_error, access_hint(i));
  }
}

void print_json(const std::vector<InterfaceInfo>& found, std::ostream& out) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& i : found) {
    list.push_back({
        {"visa", visa_resource(i)},
        {"address", ledlab_address(i)},
        {"vendor_id", fmt::format("{:04x}", i.vendor_id)},
        {"product_id", fmt::format("{:04x}", i.product_id)},
        {"manufacturer", i.manufacturer},
        {"product", i.product},
        {"serial", i.serial},
        {"protocol", i.is_usb488() ? "USB488" : "USBTMC"},
        {"bus", i.bus},
        {"port_path", i.port_path},
        {"device_address", i.device_address},
        {"configuration", i.configuration},
        {"interface", i.interface_number},
        {"alt_setting", i.alt_setting},
        {"bulk_out", i.bulk_out},
        {"bulk_in", i.bulk_in},
        {"interrupt_in", i.interrupt_in},
        {"bulk_out_max_packet", i.bulk_out_max_packet},
        {"bulk_in_max_packet", i.bulk_in_max_packet},
        {"access_error", i.access_error},
    });
  }
  out << list.dump(2) << '\n';
}

int list_usb(bool json) {
  auto backend = io::usb::libusb_backend();
  if (!backend) {
    std::cerr << "list-usb: " << backend.error().describe() << '\n';
    return 1;
  }
  auto found = (*backend)->list();
  if (!found) {
    std::cerr << "list-usb: " << found.error().describe() << '\n';
    return 1;
  }
  if (json) print_json(*found, std::cout);
  else print_text(*found, std::cout);
  return 0;
}

}  // namespace

void register_usb_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("list-usb", "List attached USBTMC instruments with their VISA and ledlab addresses");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "print the list as JSON");
  cmd->callback([json] { throw Exit{list_usb(*json)}; });
}

}  // namespace ledlab::cli
