#include "io/modbus/modbus_link.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace ledlab::io::modbus {
namespace asio = boost::asio;
namespace {

// SCPI-99 error codes the link reports in its own queue.
constexpr int kUndefinedHeader = -113;
constexpr int kDataTypeError = -104;
constexpr int kParameterNotAllowed = -108;
constexpr int kMissingParameter = -109;
constexpr int kSettingsConflict = -221;
constexpr int kDataOutOfRange = -222;
constexpr int kHardwareError = -240;
constexpr int kQueueOverflow = -350;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::optional<double> parse_value(std::string_view text) {
  const std::string u = upper(text);
  if (u == "ON") return 1.0;
  if (u == "OFF") return 0.0;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

bool is_error_query(std::string_view h) {
  return h == "SYST:ERR?" || h == "SYSTEM:ERROR?" || h == "SYST:ERR:NEXT?" || h == "SYSTEM:ERROR:NEXT?";
}

// Modbus exceptions 2 and 3 say the request was refused for its address or value (Application
// Protocol section 7); the others are the device failing.
int scpi_code_for(std::uint8_t exception) { return exception == 2 || exception == 3 ? kDataOutOfRange : kHardwareError; }

std::string exception_text(std::uint8_t exception, std::string_view name) {
  return fmt::format("Modbus exception {} ({}) on {}", exception, exception_name(exception), name);
}

}  // namespace

ModbusLink::ModbusLink(std::string address, RegisterMap map, std::unique_ptr<Transport> transport)
    : address_(std::move(address)), map_(std::move(map)), transport_(std::move(transport)) {}

asio::awaitable<Status> ModbusLink::connect(Millis timeout) {
  output_.clear();
  failed_query_.reset();
  auto st = co_await transport_->connect(timeout);
  if (!st) co_return fail(Error(st.error()).at(address_));
  co_return Status{};
}

void ModbusLink::close() {
  transport_->close();
  output_.clear();
  failed_query_.reset();
}

Error ModbusLink::instrument_error(int code, std::string text) const {
  Error e = make_error(Errc::instrument, fmt::format("{}: {},\"{}\"", address_, code, text));
  e.scpi_code = code;
  return e;
}

void ModbusLink::push_error(int code, std::string text) {
  if (errors_.size() >= kErrorQueueSize) {
    errors_.back() = {kQueueOverflow, "Queue overflow"};
    return;
  }
  errors_.emplace_back(code, std::move(text));
}

asio::awaitable<Result<std::optional<double>>> ModbusLink::read_register(const Register& reg, Millis timeout) {
  Request request;
  request.function = reg.table == Table::input ? Function::read_input_registers : Function::read_holding_registers;
  request.address = reg.address;
  request.count = reg.words();
  auto pdu = co_await transport_->transact(encode_request(request), timeout);
  if (!pdu) co_return fail(pdu.error());
  auto reply = decode_response(request, *pdu);
  if (!reply) {
    transport_->close();  // a response that does not fit its request: the stream is out of step
    co_return fail(Error(reply.error()).at(address_, reg.name));
  }
  if (reply->exception != 0) {
    push_error(scpi_code_for(reply->exception), exception_text(reply->exception, reg.name));
    co_return std::optional<double>{};
  }
  auto value = decode_value(reg, reply->registers);
  if (!value) co_return fail(Error(value.error()).at(address_, reg.name));
  co_return std::optional<double>{*value};
}

asio::awaitable<Result<std::optional<std::string>>> ModbusLink::identity(Millis timeout) {
  std::string serial = "0";
  if (const Register* reg = map_.find(map_.serial_register)) {
    auto v = co_await read_register(*reg, timeout);
    if (!v) co_return fail(v.error());
    if (!*v) co_return std::optional<std::string>{};
    serial = format_value(*reg, **v);
  }
  // IEEE 488.2 10.14: manufacturer, model, serial number, firmware level.
  co_return std::optional<std::string>{fmt::format("{},{},{},{}", map_.manufacturer, map_.model, serial, map_.firmware)};
}

asio::awaitable<Result<ModbusLink::UnitResult>> ModbusLink::run_unit(std::string_view unit, Millis timeout) {
  UnitResult out;
  const auto space = unit.find_first_of(" \t");
  const std::string header = upper(unit.substr(0, space));
  const std::string_view argument = space == std::string_view::npos ? std::string_view{} : trim(unit.substr(space + 1));
  const bool query = header.ends_with('?');
  auto refuse = [&](int code, std::string text) {
    if (query) out.query_error = instrument_error(code, text);
    else push_error(code, std::move(text));
  };
  if (header == "*IDN?") {
    auto id = co_await identity(timeout);
    if (!id) co_return fail(id.error());
    if (*id) out.reply = **id;
    else {
      out.query_error = instrument_error(errors_.back().first, errors_.back().second);
      errors_.pop_back();
    }
    co_return out;
  }
  if (header == "*OPC?") {  // every transaction completes before its response: nothing pends
    out.reply = "1";
    co_return out;
  }
  if (header == "*STB?" || header == "*ESR?") {  // a controller has no IEEE 488.2 status model
    out.reply = "0";
    co_return out;
  }
  if (header == "*CLS") {
    errors_.clear();
    co_return out;
  }
  if (header == "*OPC" || header == "*WAI") co_return out;
  if (is_error_query(header)) {
    if (errors_.empty()) {
      out.reply = "0,\"No error\"";
    } else {
      out.reply = fmt::format("{},\"{}\"", errors_.front().first, errors_.front().second);
      errors_.pop_front();
    }
    co_return out;
  }
  const Register* reg = map_.find(query ? std::string_view(header).substr(0, header.size() - 1) : std::string_view(header));
  if (!reg) {
    refuse(kUndefinedHeader, fmt::format("Undefined header; {} is not in register map {}", header, map_.name));
    co_return out;
  }
  if (query) {
    if (!argument.empty()) {
      refuse(kParameterNotAllowed, fmt::format("Parameter not allowed; {} takes none", header));
      co_return out;
    }
    auto v = co_await read_register(*reg, timeout);
    if (!v) co_return fail(v.error());
    if (*v) out.reply = format_value(*reg, **v);
    else {
      out.query_error = instrument_error(errors_.back().first, errors_.back().second);
      errors_.pop_back();  // answered to the reader at once, not left for a later SYST:ERR?
    }
    co_return out;
  }
  if (argument.empty()) {
    refuse(kMissingParameter, fmt::format("Missing parameter; {} needs a value", header));
    co_return out;
  }
  if (!reg->writable) {
    refuse(kSettingsConflict, fmt::format("Settings conflict; {} is read only in register map {}", header, map_.name));
    co_return out;
  }
  const auto value = parse_value(argument);
  if (!value) {
    refuse(kDataTypeError, fmt::format("Data type error; '{}' is not a number for {}", argument, header));
    co_return out;
  }
  auto words = encode_value(*reg, *value);
  if (!words) {  // refused in the link: nothing is sent
    refuse(kDataOutOfRange, fmt::format("Data out of range; {}", words.error().message));
    co_return out;
  }
  Request request;
  request.function = words->size() == 1 ? Function::write_single_register : Function::write_multiple_registers;
  request.address = reg->address;
  request.count = static_cast<std::uint16_t>(words->size());
  request.values = *words;
  auto pdu = co_await transport_->transact(encode_request(request), timeout);
  if (!pdu) co_return fail(Error(pdu.error()).at(address_, header));
  auto reply = decode_response(request, *pdu);
  if (!reply) {
    transport_->close();
    co_return fail(Error(reply.error()).at(address_, header));
  }
  if (reply->exception != 0) push_error(scpi_code_for(reply->exception), exception_text(reply->exception, reg->name));
  co_return out;
}

asio::awaitable<Status> ModbusLink::write(std::string_view bytes, Millis timeout) {
  if (!transport_->is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", address_));
  // A new message discards the replies of the last one that were not read (IEEE 488.2 6.3.2.3,
  // the query-interrupted case), without queueing -410 for it.
  output_.clear();
  failed_query_.reset();
  std::string replies;
  bool any_reply = false;
  std::string_view message = trim(bytes);
  for (std::size_t pos = 0; pos <= message.size();) {
    const auto semi = message.find(';', pos);
    const std::string_view unit = trim(message.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    pos = semi == std::string_view::npos ? message.size() + 1 : semi + 1;
    if (unit.empty()) continue;
    auto r = co_await run_unit(unit, timeout);
    if (!r) co_return fail(r.error());
    if (r->query_error && !failed_query_) failed_query_ = r->query_error;
    if (r->reply) {
      if (any_reply) replies += ';';  // IEEE 488.2 8.4.1: response message units are separated by ';'
      replies += *r->reply;
      any_reply = true;
    }
  }
  if (any_reply && !failed_query_) output_ = replies + '\n';
  co_return Status{};
}

asio::awaitable<Result<std::size_t>> ModbusLink::read_some(std::span<char> buffer, Millis) {
  if (output_.empty()) {
    if (failed_query_) {
      Error e = *failed_query_;
      failed_query_.reset();
      co_return fail(std::move(e));
    }
    co_return fail(Errc::timeout, fmt::format("{}: no query is pending, so no reply will come", address_));
  }
  const std::size_t n = std::min(buffer.size(), output_.size());
  std::copy_n(output_.data(), n, buffer.data());
  output_.erase(0, n);
  co_return n;
}

}  // namespace ledlab::io::modbus
