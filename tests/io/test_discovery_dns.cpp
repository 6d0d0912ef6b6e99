// The DNS message codec of mDNS / DNS-SD discovery, against bytes computed by hand from
// RFC 1035 section 4.1, and against hostile packets.
#include "io/discovery/dns_message.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace ledlab::io::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
void put(Bytes& b, std::initializer_list<int> v) {
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
}

// A response as a real responder compresses it: the PTR for _scpi-raw._tcp.local naming
// "pm1" plus a pointer back to the service name, then that instance's SRV with its name and
// its target's "local" as pointers.
Bytes compressed_response() {
  Bytes b;
  put(b, {0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00});
  // offset 12: 09 _scpi-raw 04 _tcp 05 local 00 ("local" at 27)
  put(b, {9});
  put(b, "_scpi-raw");
  put(b, {4});
  put(b, "_tcp");
  put(b, {5});
  put(b, "local");
  put(b, {0});
  put(b, {0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x11, 0x94, 0x00, 0x06});  // PTR IN 4500 s, 6 bytes
  // offset 44: 03 pm1, then a pointer to 12
  put(b, {3});
  put(b, "pm1");
  put(b, {0xc0, 0x0c});
  // offset 50: the SRV of the name at 44
  put(b, {0xc0, 0x2c, 0x00, 0x21, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x0d});
  put(b, {0x00, 0x00, 0x00, 0x00, 0x13, 0x89});  // priority 0, weight 0, port 5001
  put(b, {4});
  put(b, "host");
  put(b, {0xc0, 0x1b});
  return b;
}

}  // namespace

TEST_CASE("a PTR query for _lxi._tcp.local encodes as RFC 1035 lays it out") {
  Message query;
  query.questions.push_back(Question{name_from_dotted("_lxi._tcp.local"), 12, false});
  auto bytes = encode(query);
  REQUIRE(bytes);
  Bytes want;
  put(want, {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  put(want, {4});
  put(want, "_lxi");
  put(want, {4});
  put(want, "_tcp");
  put(want, {5});
  put(want, "local");
  put(want, {0, 0x00, 0x0c, 0x00, 0x01});
  CHECK(*bytes == want);

  query.questions[0].unicast_response = true;  // RFC 6762 section 5.4: the QU bit is the class's top bit
  auto qu = encode(query);
  REQUIRE(qu);
  CHECK((*qu)[qu->size() - 2] == 0x80);
}

TEST_CASE("a compressed response decodes to the instance, its port and its target") {
  const auto packet = compressed_response();
  auto m = decode(packet);
  REQUIRE(m);
  CHECK(m->is_response());
  REQUIRE(m->answers.size() == 2);
  const auto instance = Name{"pm1", "_scpi-raw", "_tcp", "local"};
  CHECK(m->answers[0].type == 12);
  CHECK(m->answers[0].ttl_s == 4500);
  CHECK(m->answers[0].ptr == instance);
  CHECK(m->answers[1].name == instance);
  CHECK(m->answers[1].type == 33);
  CHECK(m->answers[1].cache_flush);
  CHECK(m->answers[1].srv.port == 5001);
  CHECK(m->answers[1].srv.target == (Name{"host", "local"}));
}

TEST_CASE("records written by the encoder read back the same") {
  Message m;
  m.flags = kFlagResponse | kFlagAuthoritative;
  const Name instance{"pm1 (sim.bench)", "_scpi-raw", "_tcp", "local"};
  m.answers.push_back(ptr_record(name_from_dotted("_scpi-raw._tcp.local"), instance, 4500));
  m.additionals.push_back(srv_record(instance, 55101, name_from_dotted("ledlab.local"), 120));
  m.additionals.push_back(txt_record(instance, {"txtvers=1", "Manufacturer=ledlab"}, 4500));
  m.additionals.push_back(a_record(name_from_dotted("ledlab.local"), {127, 0, 0, 1}, 120));
  auto bytes = encode(m);
  REQUIRE(bytes);
  auto back = decode(*bytes);
  REQUIRE(back);
  REQUIRE(back->answers.size() == 1);
  REQUIRE(back->additionals.size() == 3);
  CHECK(back->answers[0].ptr == instance);
  CHECK(to_text(instance) == "pm1 (sim\\.bench)._scpi-raw._tcp.local");
  CHECK(back->additionals[0].srv.port == 55101);
  CHECK(back->additionals[1].txt == (std::vector<std::string>{"txtvers=1", "Manufacturer=ledlab"}));
  CHECK(back->additionals[2].a == (std::array<std::uint8_t, 4>{127, 0, 0, 1}));
  CHECK(same_name(name_from_dotted("_LXI._tcp.Local"), name_from_dotted("_lxi._tcp.local")));
}

TEST_CASE("the encoder refuses a label over 63 bytes and names the name") {
  Message m;
  m.questions.push_back(Question{Name{std::string(64, 'x'), "local"}, 12, false});
  auto bytes = encode(m);
  REQUIRE_FALSE(bytes);
  CHECK_THAT(bytes.error().message, Catch::Contains("a label of 64 bytes"));
}

TEST_CASE("every truncation of a valid response is refused, never read past its end") {
  const auto packet = compressed_response();
  for (std::size_t n = 0; n < packet.size(); ++n) {
    auto m = decode(std::span(packet.data(), n));
    INFO("cut at " << n);
    CHECK_FALSE(m);
  }
}

TEST_CASE("a compression pointer to itself or forward is refused as a loop") {
  Bytes b;
  put(b, {0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  put(b, {0xc0, 0x0c, 0x00, 0x0c, 0x00, 0x01});  // the question's name points at itself
  auto m = decode(b);
  REQUIRE_FALSE(m);
  CHECK_THAT(m.error().message, Catch::Contains("does not point backwards") && Catch::Contains("at byte 12"));

  Bytes forward;
  put(forward, {0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  put(forward, {0xc0, 0x0e, 0x00, 0x0c, 0x00, 0x01, 0x00});
  CHECK_FALSE(decode(forward));
}

TEST_CASE("a pointer back to labels that lead to the same pointer is refused, not followed forever") {
  // A name at 12: 01 'a' then a pointer to 12. The pointer is behind itself, yet following it
  // reads the same label and reaches it again.
  Bytes b;
  put(b, {0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  put(b, {1, 'a', 0xc0, 0x0c, 0x00, 0x0c, 0x00, 0x01});
  auto m = decode(b);
  REQUIRE_FALSE(m);
  CHECK_THAT(m.error().message, Catch::Contains("does not point backwards"));
}

TEST_CASE("a name longer than 255 bytes through a chain of pointers is refused") {
  Bytes b;
  put(b, {0, 0, 0x84, 0, 0, 2, 0, 0, 0, 0, 0, 0});
  // Question 1 at 12: three labels of 63 bytes (193 bytes with lengths and root), fine alone.
  for (int i = 0; i < 3; ++i) {
    put(b, {63});
    put(b, std::string(63, 'x'));
  }
  put(b, {0, 0x00, 0x0c, 0x00, 0x01});
  // Question 2: one more label of 63, then a pointer to question 1's name: 257 bytes.
  put(b, {63});
  put(b, std::string(63, 'y'));
  put(b, {0xc0, 0x0c, 0x00, 0x0c, 0x00, 0x01});
  auto m = decode(b);
  REQUIRE_FALSE(m);
  CHECK_THAT(m.error().message, Catch::Contains("longer than 255 bytes"));
}

TEST_CASE("record lengths that do not fit the packet or the type are refused") {
  Bytes b;
  put(b, {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0});
  put(b, {1, 'h', 0});
  put(b, {0x00, 0x01, 0x00, 0x01, 0, 0, 0, 10, 0xff, 0xff});  // an A record claiming 65535 bytes
  put(b, {127, 0, 0, 1});
  auto m = decode(b);
  REQUIRE_FALSE(m);
  CHECK_THAT(m.error().message, Catch::Contains("past the end"));

  b[b.size() - 6] = 0x00;
  b[b.size() - 5] = 0x03;  // three bytes: not an address
  b.pop_back();
  auto wrong = decode(b);
  REQUIRE_FALSE(wrong);
  CHECK_THAT(wrong.error().message, Catch::Contains("an A record of 3 bytes (must be 4)"));
}

TEST_CASE("counts of 65535 entries in a 12-byte packet fail at once without allocating for them") {
  const Bytes b{0, 0, 0x84, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  auto m = decode(b);
  REQUIRE_FALSE(m);
  CHECK_THAT(m.error().message, Catch::Contains("at byte 12"));
}

TEST_CASE("random bytes and random mutations of a response never crash the decoder") {
  std::mt19937 rng(18);
  const auto valid = compressed_response();
  std::uniform_int_distribution<int> byte(0, 255);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes b = valid;
    if (i % 2 == 0) {
      for (int k = 0; k < 1 + i % 5; ++k) b[static_cast<std::size_t>(rng() % b.size())] = static_cast<std::uint8_t>(byte(rng));
    } else {
      b.resize(static_cast<std::size_t>(rng() % 600));
      for (auto& x : b) x = static_cast<std::uint8_t>(byte(rng));
    }
    if (decode(b)) ++decoded;
  }
  CHECK(decoded >= 0);  // the point is that every call returned
}
