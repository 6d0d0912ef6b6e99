#pragma once
// A controller's register map, as data: which register holds which quantity, in what type,
// word order and scale, within what range. One TOML file per controller model (shipped ones
// are compiled in by name; a station may name a file of its own). The Modbus link turns
// "NAME value" / "NAME?" program messages into register transactions through it, and the
// Modbus twin serves the same map (README "Modbus").
#include "core/error.hpp"
#include "io/modbus/protocol.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::io::modbus {

enum class Table { holding, input };     // function 03/06/16, or 04 (read only)
enum class ValueType { int16, uint16, int32, uint32, float32, boolean };
// Which 16-bit word of a 32-bit value comes first (Application Protocol 4.2 fixes only the byte
// order within a register; the word order of 32-bit values is the maker's choice).
enum class WordOrder { high_low, low_high };

struct Register {
  std::string name;  // upper case, as the program messages use it
  Table table = Table::holding;
  std::uint16_t address = 0;  // protocol address (0-based, as sent in the PDU)
  ValueType type = ValueType::uint16;
  WordOrder word_order = WordOrder::high_low;
  int decimals = 0;           // integer types: value = raw / 10^decimals
  std::optional<double> min;  // the declared range; writes outside it are refused in the link
  std::optional<double> max;
  bool writable = false;
  std::uint16_t on_value = 1, off_value = 0;  // boolean: the raw values of on and off
  std::string source;         // manual and section the register comes from
  int line = 0;               // where it is declared, for errors

  std::uint16_t words() const;
};

struct RegisterMap {
  std::string name;    // "watlow-f4t"
  std::string source;  // the file (or "<shipped>/watlow-f4t.toml")
  std::string manufacturer, model, firmware;
  std::string serial_register;  // a register holding the serial number, or empty
  std::vector<Register> registers;

  const Register* find(std::string_view name) const;  // case-insensitive
};

Result<RegisterMap> parse_register_map(std::string_view toml_text, std::string source, std::string name);
// A shipped map by name ("watlow-f4t"), or a file when the text holds a '/' or ends in ".toml".
Result<RegisterMap> load_register_map(std::string_view name_or_path);
std::vector<std::string> shipped_register_maps();

// The registers' raw words for `value`: Errc::limit outside the declared range (or not finite),
// Errc::invalid_argument when the value does not fit the type.
Result<std::vector<std::uint16_t>> encode_value(const Register& reg, double value);
// The value `words` (reg.words() of them) hold.
Result<double> decode_value(const Register& reg, std::span<const std::uint16_t> words);
// The reply text for a value: integers plainly, decimals as declared, floats shortest.
std::string format_value(const Register& reg, double value);

}  // namespace ledlab::io::modbus
