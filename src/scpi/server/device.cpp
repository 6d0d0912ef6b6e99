#include "scpi/server/device.hpp"

#include "scpi/numbers.hpp"
#include "scpi/session.hpp"

#include <fmt/format.h>

#include <cctype>

namespace ledlab::scpi::server {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The index just past the block that starts at text[at] ('#', then a digit). IEEE 488.2 7.7.6:
// #<n><n length digits><length bytes> with n in 1..9, or #0<bytes> up to the end of the message.
// A header whose length digits are missing or not digits, or a block shorter than it
// announces, is refused as a whole (-161): guessing where it ends would misread the rest.
std::size_t skip_block(std::string_view text, std::size_t at) {
  const std::size_t n = static_cast<std::size_t>(text[at + 1] - '0');
  if (n == 0) return text.size();
  const std::size_t digits_at = at + 2;
  if (text.size() - digits_at < n)
    throw CommandError{codes::invalid_block_data,
                       fmt::format("Invalid block data; '{}' needs {} length digits", text.substr(at, 2 + n), n)};
  std::size_t len = 0;  // at most 9 digits: no overflow
  for (std::size_t k = 0; k < n; ++k) {
    const char d = text[digits_at + k];
    if (!is_digit(d))
      throw CommandError{codes::invalid_block_data,
                         fmt::format("Invalid block data; length digits '{}' are not digits", text.substr(digits_at, n))};
    len = len * 10 + static_cast<std::size_t>(d - '0');
  }
  const std::size_t data_at = digits_at + n;
  if (text.size() - data_at < len)
    throw CommandError{codes::invalid_block_data, fmt::format("Invalid block data; the block announces {} bytes, {} follow",
                                                              len, text.size() - data_at)};
  return data_at + len;
}

// Walks `text`, calling on_sep(i) at each separator outside quoted strings and blocks; stops
// early when on_sep returns false. Every step moves forward, so it ends on any input.
template <class F>
void scan_outside_data(std::string_view text, char sep, F&& on_sep) {
  char quote = 0;
  bool element_start = true;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: 7.7.5 escape
      ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      element_start = false;
      ++i;
      continue;
    }
    if (element_start && c == '#' && i + 1 < text.size() && is_digit(text[i + 1])) {
      i = skip_block(text, i);
      element_start = false;
      continue;
    }
    if (c == sep && !on_sep(i)) return;
    element_start = (c == ',' || c == ';' || std::isspace(static_cast<unsigned char>(c)));
    ++i;
  }
  if (quote) throw CommandError{codes::syntax_error, "Syntax error; unterminated string"};
}

std::vector<std::string> split_header(std::string_view header) {
  std::vector<std::string> tokens;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= header.size(); ++i) {
    if (i == header.size() || header[i] == ':') {
      if (i == start) throw CommandError{codes::syntax_error, fmt::format("Syntax error; empty keyword in '{}'", header)};
      tokens.emplace_back(header.substr(start, i - start));
      start = i + 1;
    }
  }
  return tokens;
}

}  // namespace

void Request::reply(double value) { response = format_real(value); }
void Request::reply_block(std::string_view bytes) { response = make_block(bytes); }

std::vector<std::string> split_units(std::string_view line) {
  std::vector<std::string> units;
  std::size_t start = 0;
  scan_outside_data(line, ';', [&](std::size_t i) {
    units.emplace_back(line.substr(start, i - start));
    start = i + 1;
    return true;
  });
  units.emplace_back(line.substr(start));
  return units;
}

std::vector<std::string> split_params(std::string_view text) {
  std::vector<std::string> params;
  text = trim(text);
  if (text.empty()) return params;
  std::size_t start = 0;
  scan_outside_data(text, ',', [&](std::size_t i) {
    params.emplace_back(trim(text.substr(start, i - start)));
    start = i + 1;
    return true;
  });
  params.emplace_back(trim(text.substr(start)));
  for (const auto& p : params)
    if (p.empty()) throw CommandError{codes::syntax_error, "Syntax error; empty parameter"};
  return params;
}

Device::Device(Identity identity) : identity_(std::move(identity)) {
  register_common_commands();
  register_fault_commands();
}

void Device::on(std::string_view pattern, Handler set, Handler query) {
  Command cmd;
  cmd.pattern_text = pattern;
  cmd.nodes = parse_pattern(pattern);
  for (std::size_t i = 0; i < cmd.nodes.size(); ++i)
    if (cmd.nodes[i].suffix) cmd.suffix_nodes.push_back(i);
  cmd.set = std::move(set);
  cmd.query = std::move(query);
  commands_.push_back(std::move(cmd));
}

Outcome Device::execute(std::string_view line, ConnectionState& state) {
  Outcome out;
  out.fault = faults_.next();
  if (before_command) before_command();
  state.path.clear();  // a new program message starts at the root
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (native_line) {
    if (auto reply = native_line(line)) {
      out.has_reply = true;
      out.reply = std::move(*reply);
      return out;
    }
  }
  // A message that does not parse runs none of its units. The check allocates nothing, and
  // the units then run one by one from views of the line: a message of a million units costs
  // no million strings.
  try {
    scan_outside_data(line, ';', [](std::size_t) { return true; });
  } catch (const CommandError& e) {
    status_.push_error(e.code, e.message);
    return out;
  }
  std::string replies;
  std::size_t start = 0;
  const auto run = [&](std::string_view unit) {
    if (trim(unit).empty()) return true;  // "CMD;" and blank lines are legal
    auto response = run_unit(unit, state, out.delay_s);
    if (!response) return true;
    if (replies.size() + 1 + response->size() > buffers.output_bytes) {
      // IEEE 488.2 6.3.2: the output queue is full. The device stops executing this message
      // and drops what it queued for it, so one message cannot make the twin hold an
      // unbounded reply; the next message starts afresh.
      status_.push_error(codes::too_much_data,
                         fmt::format("Too much data; the replies to one program message exceed {} bytes",
                                     buffers.output_bytes));
      replies.clear();
      return false;
    }
    if (!replies.empty()) replies += ';';
    replies += *response;
    return true;
  };
  bool whole = true;
  scan_outside_data(line, ';', [&](std::size_t i) {
    whole = run(line.substr(start, i - start));
    start = i + 1;
    return whole;
  });
  if (whole) run(line.substr(start));
  out.has_reply = !replies.empty();
  out.reply = std::move(replies);
  return out;
}

void Device::input_overrun() {
  status_.push_error(codes::input_buffer_overrun,
                     fmt::format("Input buffer overrun; program message longer than {} bytes", buffers.input_bytes));
}

std::optional<std::string> Device::run_unit(std::string_view unit, ConnectionState& state, double& delay_s) {
  unit = trim(unit);
  const auto space = unit.find_first_of(" \t");
  std::string_view header = unit.substr(0, space);
  const std::string_view param_text = space == std::string_view::npos ? std::string_view{} : unit.substr(space + 1);
  try {
    for (char c : header)
      if (!std::isprint(static_cast<unsigned char>(c)))
        throw CommandError{codes::invalid_character, "Invalid character in header"};
    const bool query = header.ends_with('?');
    if (query) header.remove_suffix(1);
    const bool common = header.starts_with('*');
    const bool absolute = header.starts_with(':');
    if (absolute) header.remove_prefix(1);
    if (header.empty()) throw CommandError{codes::syntax_error, "Syntax error; empty header"};

    std::vector<std::string> tokens = split_header(header);
    std::vector<std::string> full;
    if (!common && !absolute) full = state.path;
    full.insert(full.end(), tokens.begin(), tokens.end());

    std::vector<int> node_suffixes;
    const Command* found = nullptr;
    for (const auto& cmd : commands_) {
      if ((query ? !cmd.query : !cmd.set)) continue;
      if (match_path(cmd.nodes, full, node_suffixes)) {
        found = &cmd;
        break;
      }
    }
    // `;` continues at the same level when the header resolves there; otherwise from root.
    if (!found && !common && !absolute && !state.path.empty()) {
      for (const auto& cmd : commands_) {
        if ((query ? !cmd.query : !cmd.set)) continue;
        if (match_path(cmd.nodes, tokens, node_suffixes)) {
          found = &cmd;
          full = tokens;
          break;
        }
      }
    }
    if (!found)
      throw CommandError{codes::undefined_header, fmt::format("Undefined header; {}", unit.substr(0, space))};
    if (!common) state.path.assign(full.begin(), full.end() - 1);

    std::vector<int> suffixes;
    for (std::size_t i : found->suffix_nodes) suffixes.push_back(node_suffixes[i]);
    Request req(*this, Params(split_params(param_text)), std::move(suffixes), query);
    (query ? found->query : found->set)(req);
    if (req.params.size() > req.params.consumed())
      throw CommandError{codes::parameter_not_allowed, "Parameter not allowed"};
    delay_s = std::max(delay_s, req.delay_s);
    if (query) return std::move(req.response);
  } catch (const CommandError& e) {
    status_.push_error(e.code, e.message);
  }
  return std::nullopt;
}

void Device::register_common_commands() {
  on("*IDN", {}, [this](Request& r) {
    r.reply(fmt::format("{},{},{},{}", identity_.manufacturer, identity_.model, identity_.serial, identity_.firmware));
  });
  on("*CLS", [this](Request&) { status_.clear(); });
  on("*ESE", [this](Request& r) { status_.ese = static_cast<std::uint8_t>(r.params.integer(0, {0, 255})); },
     [this](Request& r) { r.reply_int(status_.ese); });
  on("*ESR", {}, [this](Request& r) { r.reply_int(status_.read_and_clear_esr()); });
  on("*SRE", [this](Request& r) { status_.sre = static_cast<std::uint8_t>(r.params.integer(0, {0, 255})); },
     [this](Request& r) { r.reply_int(status_.sre); });
  on("*STB", {}, [this](Request& r) { r.reply_int(status_.status_byte()); });
  // Operations complete when the twin says so; *OPC sets the ESR bit, *OPC? answers 1.
  on("*OPC", [this](Request& r) {
    r.delay_s = pending_operation_s ? pending_operation_s() : 0;
    status_.set_esr_bits(esr::opc);
  }, [this](Request& r) {
    r.delay_s = pending_operation_s ? pending_operation_s() : 0;
    r.reply("1");
  });
  on("*WAI", [this](Request& r) { r.delay_s = pending_operation_s ? pending_operation_s() : 0; });
  on("*RST", [this](Request&) {
    if (on_reset) on_reset();
  });
  on("*TST", {}, [](Request& r) { r.reply_int(0); });
  on("SYSTem:ERRor[:NEXT]", {}, [this](Request& r) {
    auto [code, text] = status_.errors().pop();
    r.reply(fmt::format("{},\"{}\"", code, text));
  });
  on("SYSTem:ERRor:COUNt", {}, [this](Request& r) { r.reply_int(static_cast<long long>(status_.errors().size())); });
  on("SYSTem:VERSion", {}, [](Request& r) { r.reply("1999.0"); });
  auto reg = [&](std::string_view base, EventRegister StatusModel::*which) {
    on(fmt::format("STATus:{}[:EVENt]", base), {}, [this, which](Request& r) {
      auto& reg = status_.*which;
      r.reply_int(std::exchange(reg.event, 0));
    });
    on(fmt::format("STATus:{}:CONDition", base), {}, [this, which](Request& r) { r.reply_int((status_.*which).condition); });
    on(fmt::format("STATus:{}:ENABle", base),
       [this, which](Request& r) { (status_.*which).enable = static_cast<std::uint16_t>(r.params.integer(0, {0, 65535})); },
       [this, which](Request& r) { r.reply_int((status_.*which).enable); });
  };
  reg("OPERation", &StatusModel::operation);
  reg("QUEStionable", &StatusModel::questionable);
  on("STATus:PRESet", [this](Request&) {
    status_.operation.enable = 0;
    status_.questionable.enable = 0;
  });
}

void Device::register_fault_commands() {
  // The instrument loses power for N wall seconds: links drop, and it comes back at defaults.
  on("SIMulate:FAULt:OUTage", [this](Request& r) {
    faults_.outage(r.params.real(0, {0, 3600}, "S"));
    if (on_reset) on_reset();
  });
  on("SIMulate:FAULt:DROP", [this](Request& r) { faults_.drop_after(r.params.has(0) ? static_cast<int>(r.params.integer(0, {0, 1e9})) : 0); });
  on("SIMulate:FAULt:STALl", [this](Request& r) {
    const double s = r.params.real(0, {0, 3600}, "S");
    faults_.stall(s, r.params.has(1) ? static_cast<int>(r.params.integer(1, {1, 1e9})) : 1);
  });
  on("SIMulate:FAULt:GARBle", [this](Request& r) { faults_.garble(r.params.has(0) ? static_cast<int>(r.params.integer(0, {1, 1e9})) : 1); });
  on("SIMulate:FAULt:ERRor", [this](Request& r) {
    const int code = static_cast<int>(r.params.integer(0, {-999, 999}));
    status_.push_error(code, r.params.has(1) ? r.params.text(1) : "Injected error");
  });
  on("SIMulate:FAULt:RANDom", [this](Request& r) {
    const Limits p{0, 1};
    faults_.random(r.params.real(0, p), r.params.real(1, p), r.params.real(2, p),
                   r.params.has(3) ? r.params.real(3, {0, 3600}, "S") : 5.0);
  });
  on("SIMulate:FAULt:SEED", [this](Request& r) { faults_.seed(static_cast<std::uint64_t>(r.params.integer(0, {0, 9e15}))); });
  on("SIMulate:FAULt:CLEar", [this](Request&) { faults_.clear(); }, [this](Request& r) { r.reply(faults_.describe()); });
}

}  // namespace ledlab::scpi::server
