#include "io/usbtmc/usb_device.hpp"

namespace ledlab::io::usb {

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
