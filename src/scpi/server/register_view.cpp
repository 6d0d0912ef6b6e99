#include "scpi/server/register_view.hpp"

#include <fmt/format.h>

#include <charconv>

namespace ledlab::scpi::server {

namespace mb = io::modbus;

namespace {

constexpr int kUndefinedHeader = -113;

// The serial register of a twin: the digits of its *IDN? serial ("SIM00042" -> 42).
double serial_number(const Identity& id) {
  double n = 0;
  for (char c : id.serial)
    if (c >= '0' && c <= '9') n = n * 10 + (c - '0');
  return n;
}

mb::Exception exception_for(int scpi_code) {
  if (scpi_code == kUndefinedHeader) return mb::Exception::illegal_data_address;
  // SCPI-99 -2xx execution errors: the value was refused (out of range, conflict, wrong type).
  if (scpi_code <= -200 && scpi_code > -300) return mb::Exception::illegal_data_value;
  if (scpi_code <= -100 && scpi_code > -200) return mb::Exception::illegal_data_value;
  return mb::Exception::server_device_failure;
}

}  // namespace

RegisterView::RegisterView(std::shared_ptr<Device> device, mb::RegisterMap map)
    : device_(std::move(device)), map_(std::move(map)) {
  // The twin is the model: its own limits judge a write, not the map's declared range (a
  // client past its range check should meet the device's refusal, as with real hardware).
  for (auto& reg : map_.registers) reg.min.reset(), reg.max.reset();
}

const mb::Register* RegisterView::at(mb::Table table, std::uint32_t address) const {
  for (const auto& reg : map_.registers)
    if (reg.table == table && reg.address == address) return &reg;
  return nullptr;
}

int RegisterView::run(const std::string& line, ConnectionState& state, Answer& answer, std::string* reply) {
  Outcome out = device_->execute(line, state);
  answer.fault.drop = answer.fault.drop || out.fault.drop;
  answer.fault.stall_s += out.fault.stall_s;
  answer.fault.garble = answer.fault.garble || out.fault.garble;
  answer.delay_s += out.delay_s;
  if (!device_->status().errors().empty()) {
    auto [code, text] = device_->status().errors().pop();
    return code;
  }
  if (reply) *reply = out.reply;
  return 0;
}

mb::Exception RegisterView::read(const mb::Request& request, ConnectionState& state, Answer& answer,
                                 std::vector<std::uint16_t>& words) {
  const auto table = request.function == mb::Function::read_input_registers ? mb::Table::input : mb::Table::holding;
  const std::uint32_t end = std::uint32_t{request.address} + request.count;
  for (std::uint32_t address = request.address; address < end;) {
    const mb::Register* reg = at(table, address);
    if (!reg || address + reg->words() > end) return mb::Exception::illegal_data_address;
    double value = 0;
    if (reg->name == map_.serial_register) {
      value = serial_number(device_->identity());
    } else {
      std::string reply;
      if (int code = run(reg->name + "?", state, answer, &reply); code != 0) return exception_for(code);
      const char* first = reply.data();
      if (!reply.empty() && reply.front() == '+') ++first;
      auto [ptr, ec] = std::from_chars(first, reply.data() + reply.size(), value);
      if (ec != std::errc()) return mb::Exception::server_device_failure;
    }
    auto encoded = mb::encode_value(*reg, value);
    if (!encoded) return mb::Exception::server_device_failure;
    words.insert(words.end(), encoded->begin(), encoded->end());
    address += reg->words();
  }
  return mb::Exception::none;
}

mb::Exception RegisterView::write(const mb::Request& request, ConnectionState& state, Answer& answer) {
  const std::uint32_t end = std::uint32_t{request.address} + request.count;
  for (std::uint32_t address = request.address; address < end;) {
    const mb::Register* reg = at(mb::Table::holding, address);
    if (!reg || !reg->writable || address + reg->words() > end) return mb::Exception::illegal_data_address;
    const std::size_t offset = address - request.address;
    auto value = mb::decode_value(*reg, std::span(request.values).subspan(offset, reg->words()));
    if (!value) return mb::Exception::illegal_data_value;
    if (int code = run(fmt::format("{} {}", reg->name, *value), state, answer, nullptr); code != 0)
      return exception_for(code);
    address += reg->words();
  }
  return mb::Exception::none;
}

RegisterView::Answer RegisterView::answer(std::string_view request_pdu, ConnectionState& state) {
  Answer answer;
  const auto decoded = mb::decode_request(request_pdu);
  const auto function = decoded.request.function;
  if (decoded.exception != mb::Exception::none) {
    answer.pdu = mb::encode_exception(request_pdu.empty() ? function : static_cast<mb::Function>(request_pdu[0] & 0x7F),
                                      decoded.exception);
    return answer;
  }
  if (function == mb::Function::read_holding_registers || function == mb::Function::read_input_registers) {
    std::vector<std::uint16_t> words;
    const auto e = read(decoded.request, state, answer, words);
    answer.pdu = e == mb::Exception::none ? mb::encode_read_response(function, words) : mb::encode_exception(function, e);
  } else {
    const auto e = write(decoded.request, state, answer);
    answer.pdu = e == mb::Exception::none ? mb::encode_write_response(decoded.request) : mb::encode_exception(function, e);
  }
  return answer;
}

}  // namespace ledlab::scpi::server
