#include "io/usbtmc/libusb_backend.hpp"

#include "core/log.hpp"
#include "io/usbtmc/libusb_context.hpp"
#include "io/usbtmc/libusb_device.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <mutex>
#include <optional>
#include <tuple>

namespace ledlab::io::usb {
namespace {

constexpr std::string_view kLog = "usb";
constexpr std::uint8_t kClassApplication = 0xFE;  // USBTMC 1.0 table 43: bInterfaceClass
constexpr std::uint8_t kSubclassUsbtmc = 0x03;    // bInterfaceSubClass

// Owns a libusb device list; every libusb_device in it is valid until then.
struct DeviceList {
  libusb_device** devices = nullptr;
  ssize_t count = 0;
  ~DeviceList() {
    if (devices != nullptr) libusb_free_device_list(devices, 1);
  }
};

std::string port_path_of(libusb_device* device) {
  std::array<std::uint8_t, 7> ports{};  // USB 2.0 section 4.1.1: at most 7 tiers
  int n = libusb_get_port_numbers(device, ports.data(), static_cast<int>(ports.size()));
  return port_path(libusb_get_bus_number(device), std::span(ports.data(), static_cast<std::size_t>(std::max(n, 0))));
}

// The kernel reads iManufacturer, iProduct and iSerialNumber at enumeration and keeps them in
// world-readable sysfs files: listing needs neither access to the device node (no udev rule)
// nor bus traffic to an instrument another program may be talking to.
std::optional<std::string> sysfs_string(const std::string& port_path, const char* attribute) {
  std::ifstream in("/sys/bus/usb/devices/" + port_path + "/" + attribute);
  std::string value;
  if (!in || !std::getline(in, value)) return std::nullopt;
  return value;
}

// A string descriptor over the bus (USB 2.0 section 9.6.7), for systems without those files.
std::string descriptor_string(libusb_device_handle* handle, std::uint8_t index) {
  if (index == 0) return {};
  std::array<unsigned char, 256> text{};
  int n = libusb_get_string_descriptor_ascii(handle, index, text.data(), static_cast<int>(text.size()));
  return n > 0 ? std::string(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n)) : std::string{};
}

std::string access_hint(int libusb_error, std::uint8_t bus, std::uint8_t address) {
  if (libusb_error == LIBUSB_ERROR_ACCESS)
    return fmt::format("permission denied on /dev/bus/usb/{:03d}/{:03d}", bus, address);
  return fmt::format("cannot open /dev/bus/usb/{:03d}/{:03d}: {}", bus, address, libusb_error_name(libusb_error));
}

// Fills the device-wide fields of `found` (one per USBTMC interface of `device`) and checks
// that the device node can be opened, which is what the user needs to know at listing time.
void describe_device(libusb_device* device, const libusb_device_descriptor& descriptor,
                     std::vector<InterfaceInfo>& found) {
  InterfaceInfo common;
  common.bus = libusb_get_bus_number(device);
  common.device_address = libusb_get_device_address(device);
  common.port_path = port_path_of(device);
  common.vendor_id = descriptor.idVendor;
  common.product_id = descriptor.idProduct;
  auto manufacturer = sysfs_string(common.port_path, "manufacturer");
  auto product = sysfs_string(common.port_path, "product");
  auto serial = sysfs_string(common.port_path, "serial");

  libusb_device_handle* handle = nullptr;
  if (int r = libusb_open(device, &handle); r != LIBUSB_SUCCESS) {
    common.access_error = access_hint(r, common.bus, common.device_address);
  } else {
    if (!manufacturer) manufacturer = descriptor_string(handle, descriptor.iManufacturer);
    if (!product) product = descriptor_string(handle, descriptor.iProduct);
    if (!serial) serial = descriptor_string(handle, descriptor.iSerialNumber);
    libusb_close(handle);
  }
  common.manufacturer = manufacturer.value_or("");
  common.product = product.value_or("");
  common.serial = serial.value_or("");
  for (auto& info : found) {  // the interface fields are already there
    info.bus = common.bus;
    info.device_address = common.device_address;
    info.port_path = common.port_path;
    info.vendor_id = common.vendor_id;
    info.product_id = common.product_id;
    info.manufacturer = common.manufacturer;
    info.product = common.product;
    info.serial = common.serial;
    info.access_error = common.access_error;
  }
}

// The USBTMC interfaces of one device, every configuration.
std::vector<InterfaceInfo> device_interfaces(libusb_device* device, const libusb_device_descriptor& descriptor) {
  std::vector<InterfaceInfo> found;
  for (std::uint8_t i = 0; i < descriptor.bNumConfigurations; ++i) {
    libusb_config_descriptor* config = nullptr;
    if (libusb_get_config_descriptor(device, i, &config) != LIBUSB_SUCCESS) continue;
    auto more = usbtmc_interfaces(*config);
    libusb_free_config_descriptor(config);
    found.insert(found.end(), more.begin(), more.end());
  }
  return found;
}

class LibusbBackend final : public Backend {
 public:
  explicit LibusbBackend(std::shared_ptr<LibusbContext> context) : context_(std::move(context)) {}

  Result<std::vector<InterfaceInfo>> list() override {
    DeviceList devices;
    devices.count = libusb_get_device_list(context_->raw(), &devices.devices);
    if (devices.count < 0)
      return fail(Errc::io, fmt::format("cannot list USB devices: {}", libusb_error_name(static_cast<int>(devices.count))));
    std::vector<InterfaceInfo> all;
    for (ssize_t i = 0; i < devices.count; ++i) {
      libusb_device* device = devices.devices[i];
      libusb_device_descriptor descriptor{};
      if (libusb_get_device_descriptor(device, &descriptor) != LIBUSB_SUCCESS) continue;
      auto found = device_interfaces(device, descriptor);
      if (found.empty()) continue;
      describe_device(device, descriptor, found);
      all.insert(all.end(), found.begin(), found.end());
    }
    std::sort(all.begin(), all.end(), [](const InterfaceInfo& a, const InterfaceInfo& b) {
      return std::tie(a.bus, a.port_path, a.interface_number) < std::tie(b.bus, b.port_path, b.interface_number);
    });
    return all;
  }

  Result<std::unique_ptr<Device>> open(const InterfaceInfo& wanted) override {
    const std::string who = fmt::format("USB {:04x}:{:04x} at {}", wanted.vendor_id, wanted.product_id,
                                        wanted.port_path.empty() ? fmt::format("address {}", wanted.device_address)
                                                                 : wanted.port_path);
    DeviceList devices;
    devices.count = libusb_get_device_list(context_->raw(), &devices.devices);
    if (devices.count < 0)
      return fail(Errc::io, fmt::format("{}: cannot list USB devices: {}", who, libusb_error_name(static_cast<int>(devices.count))));
    // The port path survives a replug on the same port, the address does not (USB 2.0
    // section 9.1.2: the host assigns a new one at every enumeration).
    libusb_device* device = nullptr;
    for (ssize_t i = 0; i < devices.count && device == nullptr; ++i) {
      libusb_device* candidate = devices.devices[i];
      libusb_device_descriptor d{};
      if (libusb_get_device_descriptor(candidate, &d) != LIBUSB_SUCCESS) continue;
      if (d.idVendor != wanted.vendor_id || d.idProduct != wanted.product_id) continue;
      if (libusb_get_bus_number(candidate) != wanted.bus) continue;
      const bool same_place = wanted.port_path.empty() ? libusb_get_device_address(candidate) == wanted.device_address
                                                       : port_path_of(candidate) == wanted.port_path;
      if (!same_place) continue;
      if (!wanted.serial.empty()) {
        auto serial = sysfs_string(wanted.port_path, "serial");
        if (serial && *serial != wanted.serial) continue;  // another unit of the model on that port
      }
      device = candidate;
    }
    if (device == nullptr)
      return fail(Errc::unreachable, fmt::format("{}: not attached (unplugged, or on another port)", who));
    return claim(device, wanted, who);
  }

 private:
  Result<std::unique_ptr<Device>> claim(libusb_device* device, InterfaceInfo info, const std::string& who) {
    libusb_device_handle* handle = nullptr;
    if (int r = libusb_open(device, &handle); r != LIBUSB_SUCCESS) {
      if (r == LIBUSB_ERROR_NO_DEVICE) return fail(Errc::unreachable, fmt::format("{}: unplugged while opening", who));
      std::string hint = r == LIBUSB_ERROR_ACCESS ? " (a udev rule giving your user access to the instrument is missing)" : "";
      return fail(Errc::io, fmt::format("{}: {}{}", who, access_hint(r, info.bus, libusb_get_device_address(device)), hint));
    }
    info.device_address = libusb_get_device_address(device);
    bool detached = false;
    auto give_up = [&](Errc code, std::string why) -> Result<std::unique_ptr<Device>> {
      if (detached) libusb_attach_kernel_driver(handle, info.interface_number);
      libusb_close(handle);
      return fail(code, fmt::format("{}: {}", who, why));
    };
    auto failure = [&](const char* step, int r) {
      return give_up(r == LIBUSB_ERROR_NO_DEVICE ? Errc::unreachable : Errc::io,
                     fmt::format("{}: {}", step, libusb_error_name(r)));
    };

    // The kernel binds its usbtmc driver to every such interface; usbfs cannot claim an
    // interface a driver holds. 1 = bound; an error means the question cannot be asked
    // (usbfs without GETDRIVER), not that a driver is bound.
    int active = libusb_kernel_driver_active(handle, info.interface_number);
    if (active == LIBUSB_ERROR_NO_DEVICE) return failure("checking the kernel driver", active);
    if (active == 1) {
      if (int r = libusb_detach_kernel_driver(handle, info.interface_number); r != LIBUSB_SUCCESS)
        return failure("detaching the kernel's usbtmc driver", r);
      detached = true;
      log::info(kLog, "{}: detached the kernel driver from interface {}", who, info.interface_number);
    }
    // Selecting a configuration resets the device's interfaces (USB 2.0 section 9.4.7), so
    // only when another one is active.
    int current = 0;
    if (int r = libusb_get_configuration(handle, &current); r != LIBUSB_SUCCESS)
      return failure("reading the active configuration", r);
    if (current != info.configuration) {
      if (int r = libusb_set_configuration(handle, info.configuration); r != LIBUSB_SUCCESS)
        return failure("selecting the configuration", r);
    }
    if (int r = libusb_claim_interface(handle, info.interface_number); r != LIBUSB_SUCCESS) {
      if (r == LIBUSB_ERROR_BUSY) return give_up(Errc::io, "the interface is claimed by another program");
      return failure("claiming the interface", r);
    }
    if (info.alt_setting != 0) {
      if (int r = libusb_set_interface_alt_setting(handle, info.interface_number, info.alt_setting); r != LIBUSB_SUCCESS) {
        libusb_release_interface(handle, info.interface_number);
        return failure("selecting the alternate setting", r);
      }
    }
    log::info(kLog, "{}: opened, interface {} claimed", who, info.interface_number);
    return std::make_unique<LibusbDevice>(context_, handle, std::move(info), detached);
  }

  std::shared_ptr<LibusbContext> context_;
};

}  // namespace

std::string port_path(std::uint8_t bus, std::span<const std::uint8_t> ports) {
  std::string path = std::to_string(bus);
  for (std::size_t i = 0; i < ports.size(); ++i) path += (i == 0 ? "-" : ".") + std::to_string(ports[i]);
  return path;
}

std::vector<InterfaceInfo> usbtmc_interfaces(const libusb_config_descriptor& config) {
  std::vector<InterfaceInfo> found;
  for (int i = 0; i < config.bNumInterfaces; ++i) {
    const libusb_interface& interface = config.interface[i];
    for (int a = 0; a < interface.num_altsetting; ++a) {
      const libusb_interface_descriptor& alt = interface.altsetting[a];
      if (alt.bInterfaceClass != kClassApplication || alt.bInterfaceSubClass != kSubclassUsbtmc) continue;
      if (alt.bInterfaceProtocol > 1) continue;  // 0 USBTMC, 1 USB488; others are not ours
      InterfaceInfo info;
      info.configuration = config.bConfigurationValue;
      info.interface_number = alt.bInterfaceNumber;
      info.alt_setting = alt.bAlternateSetting;
      info.protocol = alt.bInterfaceProtocol;
      for (int e = 0; e < alt.bNumEndpoints; ++e) {
        const libusb_endpoint_descriptor& ep = alt.endpoint[e];
        const auto type = ep.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
        const bool in = (ep.bEndpointAddress & LIBUSB_ENDPOINT_IN) != 0;
        // wMaxPacketSize bits 10..0 (USB 2.0 table 9-13); 12..11 are extra transactions.
        const auto max_packet = static_cast<std::uint16_t>(ep.wMaxPacketSize & 0x7FF);
        if (type == LIBUSB_TRANSFER_TYPE_BULK && in && info.bulk_in == 0) {
          info.bulk_in = ep.bEndpointAddress;
          info.bulk_in_max_packet = max_packet;
        } else if (type == LIBUSB_TRANSFER_TYPE_BULK && !in && info.bulk_out == 0) {
          info.bulk_out = ep.bEndpointAddress;
          info.bulk_out_max_packet = max_packet;
        } else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in && info.interrupt_in == 0) {
          info.interrupt_in = ep.bEndpointAddress;
        }
      }
      if (info.bulk_in == 0 || info.bulk_out == 0) {
        log::debug(kLog, "interface {} is of class USBTMC but lacks a bulk endpoint; skipped", alt.bInterfaceNumber);
        continue;
      }
      found.push_back(std::move(info));
      break;  // first usable alternate setting of this interface
    }
  }
  return found;
}

TransferCode code_for_transfer_status(int status) {
  switch (status) {
    case LIBUSB_TRANSFER_COMPLETED: return TransferCode::ok;
    case LIBUSB_TRANSFER_TIMED_OUT: return TransferCode::timeout;
    case LIBUSB_TRANSFER_STALL: return TransferCode::stall;
    case LIBUSB_TRANSFER_NO_DEVICE: return TransferCode::no_device;
    case LIBUSB_TRANSFER_CANCELLED: return TransferCode::cancelled;
    case LIBUSB_TRANSFER_OVERFLOW: return TransferCode::overflow;
    default: return TransferCode::error;
  }
}

TransferCode code_for_error(int error) {
  switch (error) {
    case LIBUSB_SUCCESS: return TransferCode::ok;
    case LIBUSB_ERROR_TIMEOUT: return TransferCode::timeout;
    case LIBUSB_ERROR_PIPE: return TransferCode::stall;
    case LIBUSB_ERROR_NO_DEVICE: return TransferCode::no_device;
    case LIBUSB_ERROR_INTERRUPTED: return TransferCode::cancelled;
    case LIBUSB_ERROR_OVERFLOW: return TransferCode::overflow;
    default: return TransferCode::error;
  }
}

Result<std::shared_ptr<Backend>> libusb_backend() {
  // One context for the process, made on first use and kept: a failure is not cached, so a
  // later call may succeed.
  static std::mutex mutex;
  static std::shared_ptr<Backend> backend;
  std::lock_guard lock(mutex);
  if (!backend) {
    auto context = LibusbContext::create();
    if (!context) return fail(context.error());
    backend = std::make_shared<LibusbBackend>(std::move(*context));
  }
  return backend;
}

}  // namespace ledlab::io::usb
