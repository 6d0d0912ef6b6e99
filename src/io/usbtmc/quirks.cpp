#include "io/usbtmc/quirks.hpp"

#include <array>

namespace ledlab::io::usbtmc {
namespace {

// Entries marked "reported" come from other drivers' notes and are unverified here: they are
// conservative settings that cost a little speed, never correctness.
constexpr std::array kTable{
    // Rigol DS1000Z scopes: reported to need one small REQUEST per read and a clean state
    // after open.
    QuirkEntry{0x1ab1, 0x04ce, Quirks{.max_transfer_bytes = 2048, .clear_on_open = true,
                                      .why = "Rigol DS1000Z (reported): small transfers, clear on open"}},
};

const Quirks kDefaults{};

}  // namespace

const Quirks& quirks_for(std::uint16_t vendor_id, std::uint16_t product_id) {
  for (const auto& e : kTable)
    if (e.vendor_id == vendor_id && (e.product_id == 0 || e.product_id == product_id)) return e.quirks;
  return kDefaults;
}

}  // namespace ledlab::io::usbtmc
