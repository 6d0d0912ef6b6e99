// Modbus frames and register maps, without a wire: the codec against the specifications'
// own examples and bounds, and the shipped maps as data.
#include "io/address.hpp"
#include "io/modbus/protocol.hpp"
#include "io/modbus/register_map.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace ledlab;
using namespace ledlab::io::modbus;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

Register reg_of(ValueType type, WordOrder order = WordOrder::high_low, int decimals = 0) {
  Register r;
  r.name = "X";
  r.type = type;
  r.word_order = order;
  r.decimals = decimals;
  return r;
}
}  // namespace

TEST_CASE("the RTU CRC matches the serial line specification's worked example") {
  // Modbus over Serial Line V1.02, 6.2.2: read of 1 holding register at 0 from unit 1 ends
  // in CRC bytes 84 0A (low byte first).
  const std::string frame = encode_rtu(1, encode_request(Request{Function::read_holding_registers, 0, 1, {}}));
  CHECK(frame == bytes({0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0A}));
  auto decoded = decode_rtu(frame);
  REQUIRE(decoded);
  CHECK(decoded->unit == 1);
  CHECK(decoded->pdu == bytes({0x03, 0x00, 0x00, 0x00, 0x01}));
}

TEST_CASE("an RTU frame with one bit flipped is refused for its CRC") {
  std::string frame = encode_rtu(7, encode_request(Request{Function::read_input_registers, 100, 2, {}}));
  frame[2] = static_cast<char>(frame[2] ^ 0x01);
  auto decoded = decode_rtu(frame);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == Errc::protocol);
  CHECK_THAT(decoded.error().message, Catch::Contains("CRC"));
  CHECK_FALSE(decode_rtu(std::string(300, 'x')));
}

TEST_CASE("the MBAP header carries transaction, protocol 0, length and unit, and refuses other protocols and lengths") {
  const std::string pdu = encode_request(Request{Function::write_single_register, 2782, 1, {0x1234}});
  const std::string frame = encode_mbap(0x0102, 9, pdu);
  CHECK(frame.substr(0, 7) == bytes({0x01, 0x02, 0x00, 0x00, 0x00, 0x06, 0x09}));
  auto mbap = decode_mbap(frame);
  REQUIRE(mbap);
  CHECK(mbap->transaction == 0x0102);
  CHECK(mbap->length == 6);
  CHECK(mbap->unit == 9);
  auto other = decode_mbap(bytes({0, 1, 0, 5, 0, 6, 1}));
  REQUIRE_FALSE(other);
  CHECK_THAT(other.error().message, Catch::Contains("protocol identifier 5"));
  auto huge = decode_mbap(bytes({0, 1, 0, 0, 0xFF, 0xFF, 1}));
  REQUIRE_FALSE(huge);
  CHECK_THAT(huge.error().message, Catch::Contains("length 65535 outside 2..254"));
}

TEST_CASE("a server decodes requests and answers out-of-bound counts with illegal data value") {
  auto read = decode_request(encode_request(Request{Function::read_holding_registers, 2782, 2, {}}));
  CHECK(read.exception == Exception::none);
  CHECK(read.request.address == 2782);
  CHECK(read.request.count == 2);
  // Application Protocol 6.3: 1..125 registers per read.
  CHECK(decode_request(encode_request(Request{Function::read_holding_registers, 0, 126, {}})).exception ==
        Exception::illegal_data_value);
  CHECK(decode_request(encode_request(Request{Function::read_holding_registers, 0, 0, {}})).exception ==
        Exception::illegal_data_value);
  // A byte count that disagrees with the register count.
  std::string bad = encode_request(Request{Function::write_multiple_registers, 10, 2, {1, 2}});
  bad[5] = 3;
  CHECK(decode_request(bad).exception == Exception::illegal_data_value);
  CHECK(decode_request(bytes({0x2B, 0x0E, 0x01, 0x00})).exception == Exception::illegal_function);
  CHECK(decode_request(encode_request(Request{Function::read_holding_registers, 0xFFFF, 2, {}})).exception ==
        Exception::illegal_data_address);
}

TEST_CASE("a client checks each response against its request") {
  const Request read{Function::read_holding_registers, 2782, 2, {}};
  auto ok = decode_response(read, encode_read_response(Function::read_holding_registers, {0x0000, 0x41C8}));
  REQUIRE(ok);
  CHECK(ok->registers == std::vector<std::uint16_t>{0x0000, 0x41C8});
  auto short_count = decode_response(read, encode_read_response(Function::read_holding_registers, {1}));
  REQUIRE_FALSE(short_count);
  CHECK_THAT(short_count.error().message, Catch::Contains("read of 2 registers answered with byte count 2"));
  auto exception = decode_response(read, encode_exception(Function::read_holding_registers, Exception::illegal_data_address));
  REQUIRE(exception);
  CHECK(exception->exception == 2);
  const Request write{Function::write_single_register, 300, 1, {250}};
  auto echo = decode_response(write, encode_write_response(Request{Function::write_single_register, 301, 1, {250}}));
  REQUIRE_FALSE(echo);
  CHECK_THAT(echo.error().message, Catch::Contains("echoes 301/250 for 300/250"));
  CHECK_FALSE(decode_response(read, bytes({0x04, 0x04, 0, 0, 0, 0})));
}

TEST_CASE("32-bit values follow the map's word order and integers its decimal places") {
  // 25.0f is 0x41C80000: high word 0x41C8.
  auto hl = encode_value(reg_of(ValueType::float32), 25.0);
  REQUIRE(hl);
  CHECK(*hl == std::vector<std::uint16_t>{0x41C8, 0x0000});
  auto lh = encode_value(reg_of(ValueType::float32, WordOrder::low_high), 25.0);
  REQUIRE(lh);
  CHECK(*lh == std::vector<std::uint16_t>{0x0000, 0x41C8});
  CHECK(*decode_value(reg_of(ValueType::float32, WordOrder::low_high), *lh) == 25.0);
  auto tenth = encode_value(reg_of(ValueType::int16, WordOrder::high_low, 1), -12.3);
  REQUIRE(tenth);
  CHECK(*tenth == std::vector<std::uint16_t>{static_cast<std::uint16_t>(-123)});
  CHECK(*decode_value(reg_of(ValueType::int16, WordOrder::high_low, 1), *tenth) == Approx(-12.3));
  CHECK(format_value(reg_of(ValueType::int16, WordOrder::high_low, 1), -12.3) == "-12.3");
  auto serial = encode_value(reg_of(ValueType::int32, WordOrder::low_high), 70000);
  REQUIRE(serial);
  CHECK(*serial == std::vector<std::uint16_t>{70000 & 0xFFFF, 1});
  CHECK_FALSE(encode_value(reg_of(ValueType::int16, WordOrder::high_low, 1), 4000.0));  // 40000 does not fit
}

TEST_CASE("a write outside the map's declared range, or NaN, is refused before any word is made") {
  Register r = reg_of(ValueType::float32);
  r.min = -70;
  r.max = 180;
  auto over = encode_value(r, 180.5);
  REQUIRE_FALSE(over);
  CHECK(over.error().code == Errc::limit);
  CHECK_THAT(over.error().message, Catch::Contains("180.5 outside the map's range -70 .. 180"));
  auto nan = encode_value(r, std::numeric_limits<double>::quiet_NaN());
  REQUIRE_FALSE(nan);
  CHECK(nan.error().code == Errc::limit);
  CHECK(encode_value(r, 180.0));
}

TEST_CASE("every shipped register map parses and names a source for each register") {
  const auto names = shipped_register_maps();
  CHECK(std::ranges::find(names, "watlow-f4t") != names.end());
  CHECK(std::ranges::find(names, "eurotherm-3200") != names.end());
  for (const auto& name : names) {
    auto map = load_register_map(name);
    INFO(name);
    REQUIRE(map);
    for (const auto& reg : map->registers) {
      INFO(reg.name);
      CHECK_FALSE(reg.source.empty());
    }
  }
  auto f4t = load_register_map("watlow-f4t");
  REQUIRE(f4t);
  const Register* sp = f4t->find("setpoint");
  REQUIRE(sp);
  CHECK(sp->address == 2782);
  CHECK(sp->type == ValueType::float32);
  CHECK(sp->word_order == WordOrder::low_high);
  CHECK(sp->writable);
}

TEST_CASE("a register map with a mistake names the file, the line and the key") {
  auto overlap = parse_register_map(R"([identity]
manufacturer = "X"
model = "Y"
[registers.A]
address = 10
type = "float32"
[registers.B]
address = 11
)", "maps/x.toml", "x");
  REQUIRE_FALSE(overlap);
  CHECK(overlap.error().code == Errc::config);
  CHECK_THAT(overlap.error().message, Catch::Contains("maps/x.toml:7: registers.B: overlaps A (line 4)"));
  auto typo = parse_register_map("[identity]\nmanufacturer = \"X\"\nmodel = \"Y\"\n[registers.A]\naddress = 1\ntpye = \"int16\"\n",
                                 "m.toml", "m");
  REQUIRE_FALSE(typo);
  CHECK_THAT(typo.error().message, Catch::Contains("m.toml:6: registers.A.tpye: unknown key"));
  auto missing = load_register_map("watlow-f5");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("no register map 'watlow-f5' (shipped: "));
}

TEST_CASE("Modbus addresses give unit, map and port, and refuse what is missing or out of range") {
  auto tcp = io::parse_address("modbus-tcp://10.0.0.5?unit=3&map=watlow-f4t");
  REQUIRE(tcp);
  CHECK(tcp->kind == io::Address::Kind::modbus_tcp);
  CHECK(tcp->port == 502);
  CHECK(tcp->modbus_unit == 3);
  CHECK(tcp->canonical() == "modbus-tcp://10.0.0.5:502?unit=3&map=watlow-f4t");
  auto rtu = io::parse_address("modbus-rtu:///dev/ttyUSB0?baud=19200&parity=even&unit=1&map=eurotherm-3200");
  REQUIRE(rtu);
  CHECK(rtu->kind == io::Address::Kind::modbus_rtu);
  CHECK(rtu->modbus_device == "/dev/ttyUSB0");
  CHECK(rtu->modbus_serial_options == "baud=19200&parity=even");
  auto no_map = io::parse_address("modbus-tcp://host:1502");
  REQUIRE_FALSE(no_map);
  CHECK_THAT(no_map.error().message, Catch::Contains("no register map: add map=NAME"));
  auto broadcast = io::parse_address("modbus-rtu:///dev/ttyS0?unit=0&map=eurotherm-3200");
  REQUIRE_FALSE(broadcast);
  CHECK_THAT(broadcast.error().message, Catch::Contains("unit '0' is not 1..247"));
  CHECK_FALSE(io::parse_address("modbus-tcp://host:1502?baud=9600&map=x"));
}
