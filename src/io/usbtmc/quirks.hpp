#pragma once
// Device quirks as data, keyed by vendor/product (the way libsigrok keeps its USBTMC lists):
// the protocol code asks the table, it never tests ids itself.
#include <cstdint>
#include <string_view>

namespace ledlab::io::usbtmc {

struct Quirks {
  // Largest DEV_DEP_MSG payload per transfer, in either direction; longer messages are split
  // (Bulk-OUT: EOM on the last transfer only; Bulk-IN: one REQUEST per chunk).
  std::uint32_t max_transfer_bytes = 1u << 20;
  // Run INITIATE_CLEAR after every open, so a message left half-sent or half-read by a
  // previous program does not answer the first query.
  bool clear_on_open = false;
  std::string_view why;  // the reason, for the log
};

struct QuirkEntry {
  std::uint16_t vendor_id;
  std::uint16_t product_id;  // 0 = every product of the vendor
  Quirks quirks;
};

// The table's entry for a device, or the defaults.
const Quirks& quirks_for(std::uint16_t vendor_id, std::uint16_t product_id);

}  // namespace ledlab::io::usbtmc
