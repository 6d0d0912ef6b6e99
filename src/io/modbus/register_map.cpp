#include "io/modbus/register_map.hpp"

#include "io/modbus/shipped_maps.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <fstream>
#include <sstream>

namespace ledlab::io::modbus {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::unexpected<Error> map_error(const std::string& source, const toml::node* node, std::string_view key,
                                 std::string_view what) {
  std::string where = source;
  if (node && node->source().begin.line > 0) where += fmt::format(":{}", node->source().begin.line);
  return fail(Errc::config, fmt::format("{}: {}: {}", where, key, what));
}

template <class E, std::size_t N>
std::optional<E> pick(std::string_view text, const std::array<std::pair<std::string_view, E>, N>& choices) {
  for (const auto& [name, value] : choices)
    if (name == text) return value;
  return std::nullopt;
}

constexpr std::array kTypes{std::pair{std::string_view("int16"), ValueType::int16},
                            std::pair{std::string_view("uint16"), ValueType::uint16},
                            std::pair{std::string_view("int32"), ValueType::int32},
                            std::pair{std::string_view("uint32"), ValueType::uint32},
                            std::pair{std::string_view("float32"), ValueType::float32},
                            std::pair{std::string_view("bool"), ValueType::boolean}};

Result<Register> parse_register(const std::string& source, std::string_view name, const toml::table& t) {
  Register r;
  r.name = upper(name);
  r.line = static_cast<int>(t.source().begin.line);
  const std::string key = fmt::format("registers.{}", name);
  if (r.name.empty() || r.name.find_first_of(" ;:?*\t") != std::string::npos)
    return map_error(source, &t, key, "a register name is one word without ' ;:?*'");
  for (auto&& [k, v] : t) {
    static constexpr std::array kKnown{"table", "address", "type", "word_order", "decimals", "min", "max",
                                       "access", "on_value", "off_value", "source"};
    if (std::ranges::find(kKnown, std::string_view(k.str())) == kKnown.end())
      return map_error(source, &v, fmt::format("{}.{}", key, k.str()), "unknown key");
  }
  const std::string table = t["table"].value_or(std::string("holding"));
  if (table == "holding") r.table = Table::holding;
  else if (table == "input") r.table = Table::input;
  else return map_error(source, t.get("table"), key + ".table", fmt::format("'{}' is not holding or input", table));
  const auto address = t["address"].value<std::int64_t>();
  if (!address || *address < 0 || *address > 0xFFFF)
    return map_error(source, t.get("address") ? t.get("address") : &t, key + ".address", "expected an integer 0..65535");
  r.address = static_cast<std::uint16_t>(*address);
  const std::string type = t["type"].value_or(std::string("uint16"));
  const auto vt = pick(type, kTypes);
  if (!vt) return map_error(source, t.get("type"), key + ".type", fmt::format("'{}' is not int16, uint16, int32, uint32, float32 or bool", type));
  r.type = *vt;
  const std::string order = t["word_order"].value_or(std::string("high-low"));
  if (order == "high-low") r.word_order = WordOrder::high_low;
  else if (order == "low-high") r.word_order = WordOrder::low_high;
  else return map_error(source, t.get("word_order"), key + ".word_order", fmt::format("'{}' is not high-low or low-high", order));
  const auto decimals = t["decimals"].value_or(std::int64_t{0});
  if (decimals < 0 || decimals > 6 || (decimals != 0 && (r.type == ValueType::float32 || r.type == ValueType::boolean)))
    return map_error(source, t.get("decimals"), key + ".decimals", "0..6, for integer types only");
  r.decimals = static_cast<int>(decimals);
  if (auto v = t["min"].value<double>()) r.min = *v;
  if (auto v = t["max"].value<double>()) r.max = *v;
  if ((r.min && !std::isfinite(*r.min)) || (r.max && !std::isfinite(*r.max)) || (r.min && r.max && *r.min > *r.max))
    return map_error(source, &t, key, "min and max must be finite with min <= max");
  const std::string access = t["access"].value_or(std::string("r"));
  if (access != "r" && access != "rw") return map_error(source, t.get("access"), key + ".access", "expected r or rw");
  r.writable = access == "rw";
  if (r.writable && r.table == Table::input) return map_error(source, t.get("access"), key + ".access", "input registers are read only");
  r.on_value = static_cast<std::uint16_t>(t["on_value"].value_or(std::int64_t{1}));
  r.off_value = static_cast<std::uint16_t>(t["off_value"].value_or(std::int64_t{0}));
  r.source = t["source"].value_or(std::string());
  if (std::size_t{r.address} + r.words() > 0x10000) return map_error(source, &t, key, "runs past register 65535");
  return r;
}

bool overlaps(const Register& a, const Register& b) {
  return a.table == b.table && a.address < b.address + b.words() && b.address < a.address + a.words();
}

}  // namespace

std::uint16_t Register::words() const {
  return (type == ValueType::int32 || type == ValueType::uint32 || type == ValueType::float32) ? 2 : 1;
}

const Register* RegisterMap::find(std::string_view wanted) const {
  const std::string key = upper(wanted);
  for (const auto& r : registers)
    if (r.name == key) return &r;
  return nullptr;
}

Result<RegisterMap> parse_register_map(std::string_view text, std::string source, std::string name) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return fail(Errc::config, fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
  }
  RegisterMap map;
  map.name = std::move(name);
  map.source = source;
  const auto* identity = doc["identity"].as_table();
  if (!identity) return map_error(source, nullptr, "identity", "missing [identity] (manufacturer, model)");
  map.manufacturer = (*identity)["manufacturer"].value_or(std::string());
  map.model = (*identity)["model"].value_or(std::string());
  map.firmware = (*identity)["firmware"].value_or(std::string("modbus"));
  map.serial_register = upper((*identity)["serial_register"].value_or(std::string()));
  if (map.manufacturer.empty() || map.model.empty())
    return map_error(source, identity, "identity", "manufacturer and model are required");
  const auto* regs = doc["registers"].as_table();
  if (!regs || regs->empty()) return map_error(source, nullptr, "registers", "missing [registers.NAME] tables");
  for (auto&& [k, v] : *regs) {
    const auto* t = v.as_table();
    if (!t) return map_error(source, &v, fmt::format("registers.{}", k.str()), "expected a table");
    auto reg = parse_register(source, k.str(), *t);
    if (!reg) return fail(reg.error());
    for (const auto& other : map.registers) {
      if (other.name == reg->name)
        return map_error(source, t, fmt::format("registers.{}", k.str()), "declared twice");
      if (overlaps(other, *reg))
        return map_error(source, t, fmt::format("registers.{}", k.str()),
                         fmt::format("overlaps {} (line {})", other.name, other.line));
    }
    map.registers.push_back(std::move(*reg));
  }
  if (!map.serial_register.empty() && !map.find(map.serial_register))
    return map_error(source, identity, "identity.serial_register", fmt::format("no register '{}'", map.serial_register));
  return map;
}

std::vector<std::string> shipped_register_maps() {
  std::vector<std::string> names;
  for (const auto& m : detail::shipped_maps()) names.emplace_back(m.name);
  return names;
}

Result<RegisterMap> load_register_map(std::string_view name_or_path) {
  if (name_or_path.find('/') != std::string_view::npos || name_or_path.ends_with(".toml")) {
    std::ifstream in{std::string(name_or_path)};
    if (!in) return fail(Errc::config, fmt::format("cannot read register map '{}'", name_or_path));
    std::ostringstream text;
    text << in.rdbuf();
    std::string name(name_or_path.substr(name_or_path.rfind('/') + 1));
    if (name.ends_with(".toml")) name.resize(name.size() - 5);
    return parse_register_map(text.str(), std::string(name_or_path), name);
  }
  for (const auto& m : detail::shipped_maps())
    if (m.name == name_or_path)
      return parse_register_map(m.text, fmt::format("<shipped>/{}.toml", m.name), std::string(m.name));
  std::string known;
  for (const auto& m : detail::shipped_maps()) known += (known.empty() ? "" : ", ") + std::string(m.name);
  return fail(Errc::config, fmt::format("no register map '{}' (shipped: {}; or give a path to a .toml file)", name_or_path, known));
}

Result<std::vector<std::uint16_t>> encode_value(const Register& reg, double value) {
  // NaN must not slip past a range check: every comparison is written to fail on it.
  if (!std::isfinite(value)) return fail(Errc::limit, fmt::format("{}: {} is not a finite value", reg.name, value));
  if ((reg.min && !(value >= *reg.min)) || (reg.max && !(value <= *reg.max)))
    return fail(Errc::limit, fmt::format("{}: {} outside the map's range {} .. {}", reg.name, value,
                                         reg.min ? fmt::format("{}", *reg.min) : "-inf",
                                         reg.max ? fmt::format("{}", *reg.max) : "inf"));
  std::uint32_t raw = 0;
  const auto scaled = std::round(value * std::pow(10.0, reg.decimals));
  auto out_of_type = [&](double lo, double hi) -> bool { return !(scaled >= lo && scaled <= hi); };
  switch (reg.type) {
    case ValueType::boolean:
      if (value != 0 && value != 1) return fail(Errc::invalid_argument, fmt::format("{}: {} is not 0 or 1", reg.name, value));
      return std::vector<std::uint16_t>{value != 0 ? reg.on_value : reg.off_value};
    case ValueType::int16:
      if (out_of_type(-32768, 32767)) break;
      return std::vector<std::uint16_t>{static_cast<std::uint16_t>(static_cast<std::int16_t>(scaled))};
    case ValueType::uint16:
      if (out_of_type(0, 65535)) break;
      return std::vector<std::uint16_t>{static_cast<std::uint16_t>(scaled)};
    case ValueType::int32:
      if (out_of_type(-2147483648.0, 2147483647.0)) break;
      raw = static_cast<std::uint32_t>(static_cast<std::int32_t>(scaled));
      [[fallthrough]];
    case ValueType::uint32:
      if (reg.type == ValueType::uint32) {
        if (out_of_type(0, 4294967295.0)) break;
        raw = static_cast<std::uint32_t>(scaled);
      }
      [[fallthrough]];
    case ValueType::float32: {
      if (reg.type == ValueType::float32) raw = std::bit_cast<std::uint32_t>(static_cast<float>(value));
      const auto hi = static_cast<std::uint16_t>(raw >> 16), lo = static_cast<std::uint16_t>(raw & 0xFFFF);
      if (reg.word_order == WordOrder::high_low) return std::vector<std::uint16_t>{hi, lo};
      return std::vector<std::uint16_t>{lo, hi};
    }
  }
  return fail(Errc::invalid_argument, fmt::format("{}: {} does not fit its register", reg.name, value));
}

Result<double> decode_value(const Register& reg, std::span<const std::uint16_t> words) {
  if (words.size() != reg.words())
    return fail(Errc::protocol, fmt::format("{}: {} registers for a value of {}", reg.name, words.size(), reg.words()));
  const double scale = std::pow(10.0, reg.decimals);
  std::uint32_t raw32 = 0;
  if (reg.words() == 2)
    raw32 = reg.word_order == WordOrder::high_low ? (std::uint32_t{words[0]} << 16) | words[1]
                                                  : (std::uint32_t{words[1]} << 16) | words[0];
  switch (reg.type) {
    case ValueType::boolean:
      if (words[0] == reg.on_value) return 1.0;
      if (words[0] == reg.off_value) return 0.0;
      return fail(Errc::protocol, fmt::format("{}: raw value {} is neither on ({}) nor off ({})", reg.name, words[0],
                                              reg.on_value, reg.off_value));
    case ValueType::int16: return static_cast<std::int16_t>(words[0]) / scale;
    case ValueType::uint16: return words[0] / scale;
    case ValueType::int32: return static_cast<std::int32_t>(raw32) / scale;
    case ValueType::uint32: return raw32 / scale;
    case ValueType::float32: return static_cast<double>(std::bit_cast<float>(raw32));
  }
  return fail(Errc::protocol, "unknown type");
}

std::string format_value(const Register& reg, double value) {
  if (reg.type == ValueType::float32) return fmt::format("{}", static_cast<float>(value));
  if (reg.decimals == 0) return fmt::format("{}", static_cast<long long>(std::llround(value)));
  return fmt::format("{:.{}f}", value, reg.decimals);
}

}  // namespace ledlab::io::modbus
