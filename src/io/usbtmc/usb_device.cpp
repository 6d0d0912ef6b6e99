#include "io/usbtmc/usb_device.hpp"

#include <mutex>

namespace ledlab::io::usb {

namespace {
std::mutex simulated_mutex;
std::shared_ptr<Backend> simulated;
}  // namespace

Result<std::shared_ptr<Backend>> link_backend() {
  {
    std::lock_guard lock(simulated_mutex);
    if (simulated) return simulated;
  }
  return libusb_backend();
}

void install_simulated_bus(std::shared_ptr<Backend> bus) {
  std::lock_guard lock(simulated_mutex);
  simulated = std::move(bus);
}

void remove_simulated_bus(const Backend* bus) {
  std::lock_guard lock(simulated_mutex);
  if (simulated.get() == bus) simulated.reset();
}

std::string_view to_string(TransferCode code) {
  switch (code) {
    case TransferCode::ok: return "ok";
    case TransferCode::timeout: return "timeout";
    case TransferCode::stall: return "stall";
    case TransferCode::no_device: return "no device";
    case TransferCode::cancelled: return "cancelled";
    case TransferCode::overflow: return "overflow";
    case TransferCode::error: return "error";
  }
  return "?";
}

}  // namespace ledlab::io::usb
