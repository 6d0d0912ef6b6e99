// JSON text from bytes that may not be UTF-8: checked where it enters, replaced where it
// leaves, never an exception (nlohmann's dump throws type_error 316 on invalid UTF-8).
#include "db/json_text.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;

TEST_CASE("utf8_error accepts UTF-8 and names the first byte that is not") {
  CHECK_FALSE(db::utf8_error(""));
  CHECK_FALSE(db::utf8_error("ARR-7 85 \xc2\xb0""C \xe2\x86\x92 \xf0\x9f\x94\xac"));  // 85 °C → 🔬
  CHECK(db::utf8_error("\xff").value() == "byte 0xff at offset 0");
  CHECK(db::utf8_error("ab\xc3").value() == "sequence cut short at offset 2");
  CHECK(db::utf8_error("a\xc0\xaf").value() == "byte 0xc0 at offset 1");          // overlong '/'
  CHECK(db::utf8_error("\xed\xa0\x80").value() == "byte 0xa0 at offset 1");       // UTF-16 surrogate
  CHECK(db::utf8_error("\xf4\x90\x80\x80").value() == "byte 0x90 at offset 1");   // above U+10FFFF
  CHECK(db::utf8_error("\xe2\x28\xa1").value() == "byte 0x28 at offset 1");       // continuation missing
}

TEST_CASE("json_text replaces bytes that are not UTF-8 instead of throwing") {
  const nlohmann::json value = {{"dut_type", "A\xff"}, {"temperature_c", 85}};
  std::string text;
  REQUIRE_NOTHROW(text = db::json_text(value));
  CHECK(text == "{\"dut_type\":\"A\xef\xbf\xbd\",\"temperature_c\":85}");
  CHECK(db::json_text(nlohmann::json{{"a", 1}}, 2) == "{\n  \"a\": 1\n}");
}
