// The chunk codec: lossless for every double, small for what instruments record, and safe on
// blobs that are damaged or were never chunks.
#include "db/chunk_codec.hpp"
#include "db/chunk_bits.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

using namespace ledlab;

namespace {

using Blob = std::vector<std::uint8_t>;

std::uint64_t bits(double d) { return std::bit_cast<std::uint64_t>(d); }

Blob encode(const std::vector<double>& t, const std::vector<double>& v) {
  Blob blob;
  db::encode_chunk(t, v, blob);
  return blob;
}

// Encodes, decodes and compares every bit; returns the blob for size checks.
Blob round_trip(const std::vector<double>& t, const std::vector<double>& v) {
  const Blob blob = encode(t, v);
  std::vector<double> t2, v2;
  const Status s = db::decode_chunk(blob, t2, v2);
  const std::string outcome = s ? std::string("ok") : s.error().describe();
  INFO(outcome);
  REQUIRE(s.has_value());
  REQUIRE(t2.size() == t.size());
  REQUIRE(v2.size() == v.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    INFO("sample " << i << " t " << t[i] << " v " << v[i]);
    REQUIRE(bits(t2[i]) == bits(t[i]));
    REQUIRE(bits(v2[i]) == bits(v[i]));
  }
  const auto n = db::chunk_samples(blob);
  REQUIRE(n.has_value());
  CHECK(*n == t.size());
  return blob;
}

// What a power meter's reply "+1.23456789E-03" (IEEE 488.2 NR3, 9 significant digits)
// parses to.
double meter_reply(double watts) {
  const std::string reply = fmt::format("{:+.8E}", watts);
  return std::strtod(reply.c_str(), nullptr);
}

std::vector<double> cadence(std::size_t n, double t0, double step_s) {
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = t0 + static_cast<double>(i) * step_s;
  return t;
}

std::vector<double> meter_series(std::size_t n, double watts, double relative_noise, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, relative_noise);
  std::vector<double> v(n);
  for (auto& x : v) x = meter_reply(watts * (1.0 + noise(rng)));
  return v;
}

std::vector<double> random_doubles(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = std::bit_cast<double>(rng());
  return v;
}

double per_sample(const Blob& blob, std::size_t n) { return static_cast<double>(blob.size()) / static_cast<double>(n); }

constexpr double kNow = 1.8e9;  // Unix seconds in 2027

}  // namespace

TEST_CASE("bit packing round-trips every width from 0 to 64 at any block length") {
  std::mt19937_64 rng(3);
  for (unsigned w = 0; w <= 64; ++w) {
    for (std::size_t count : {1u, 2u, 7u, 8u, 9u, 63u, 127u, 128u}) {
      INFO("width " << w << ", " << count << " values");
      std::vector<std::uint64_t> values(count);
      for (auto& x : values) x = rng() & db::chunk::low_mask(w);
      if (w > 0) values[count / 2] = db::chunk::low_mask(w);  // all ones
      Blob packed;
      db::chunk::pack_bits(packed, values.data(), count, w);
      REQUIRE(packed.size() == db::chunk::packed_size(count, w));
      packed.resize(packed.size() + db::chunk::kUnpackSlack, 0xa5);  // whatever follows is masked off
      std::vector<std::uint64_t> back(count);
      db::chunk::unpack_bits(packed.data(), count, w, back.data());
      CHECK(back == values);
    }
  }
}

TEST_CASE("meter readings at a 1 s cadence round-trip bit for bit") {
  const std::size_t n = 3600;
  round_trip(cadence(n, kNow, 1.0), meter_series(n, 1e-3, 1e-3, 1));
  round_trip(cadence(n, kNow + 0.25, 1.0), meter_series(n, -2.5e-7, 1e-2, 2));
  round_trip(cadence(n, kNow, 0.1), meter_series(n, 42.0, 1e-4, 3));
}

TEST_CASE("a steady 1 s cadence costs under 0.1 byte per sample for time") {
  const std::size_t n = 3600;
  // A constant value costs a few bytes per 128 samples, so this bounds the time stream.
  const Blob blob = round_trip(cadence(n, kNow, 1.0), std::vector<double>(n, 0.0));
  CHECK(per_sample(blob, n) < 0.1);
}

TEST_CASE("9-digit meter values with 0.1 % noise around 1 mW cost at most 3.2 bytes per sample") {
  const std::size_t n = 3600;
  const Blob blob = round_trip(cadence(n, kNow, 1.0), meter_series(n, 1e-3, 1e-3, 7));
  INFO(per_sample(blob, n) << " bytes per sample");
  CHECK(per_sample(blob, n) <= 3.2);
}

TEST_CASE("a constant series costs under 0.2 byte per sample") {
  const std::size_t n = 3600;
  CHECK(per_sample(round_trip(cadence(n, kNow, 1.0), std::vector<double>(n, meter_reply(1.234e-3))), n) < 0.2);
  CHECK(per_sample(round_trip(cadence(n, kNow, 1.0), std::vector<double>(n, std::nan("7"))), n) < 0.2);
}

TEST_CASE("rare spikes cost an exception each, not a wider block") {
  const std::size_t n = 3600;
  std::vector<double> v(n, 5.0);
  for (std::size_t i = 0; i < n; i += 300) v[i] = 5e6 + static_cast<double>(i);
  CHECK(per_sample(round_trip(cadence(n, kNow, 1.0), v), n) < 0.2);
}

TEST_CASE("jittered timestamps round-trip and still cost less than their raw 8 bytes") {
  const std::size_t n = 5000;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> jitter(0.0, 2e-3);
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = kNow + static_cast<double>(i) + jitter(rng);
  const Blob blob = round_trip(t, std::vector<double>(n, 1.0));
  CHECK(per_sample(blob, n) < 4.0);
}

TEST_CASE("timestamps that cross a binade, zero and negative times round-trip") {
  // 2^31 s: the spacing of doubles doubles there, so the bit pattern's delta changes.
  round_trip(cadence(1000, 0x1p31 - 500.0, 1.0), std::vector<double>(1000, 3.0));
  round_trip(cadence(1000, -500.0, 1.0), std::vector<double>(1000, 3.0));
  round_trip(cadence(300, -1.5, 0.01), std::vector<double>(300, 3.0));
  round_trip({0.0, -0.0, 0.0, 1e-300, -1e-300, kNow, -kNow, 0.0}, {1, 2, 3, 4, 5, 6, 7, 8});
  // Decreasing and repeated times are recorded as given.
  round_trip({5.0, 4.0, 4.0, 3.0, 10.0, 1.0}, {1, 1, 1, 1, 1, 1});
}

TEST_CASE("NaN payloads, signed zeros, infinities, subnormals and extremes round-trip") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> special = {
      std::bit_cast<double>(0x7ff8000000000001ull),  // quiet NaN with a payload
      std::bit_cast<double>(0x7ff0000000000001ull),  // signalling NaN
      std::bit_cast<double>(0xfff8dead0000beefull),  // negative NaN with a payload
      -0.0, 0.0, inf, -inf,
      std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::denorm_min(),
      0x1.23456789abcdp-1040,
      std::numeric_limits<double>::min(), std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
      std::numeric_limits<double>::epsilon(), 1e308, 1e-308, 1e-3, 123456789.0, 0.1};
  std::vector<double> v;
  for (int i = 0; i < 40; ++i) v.insert(v.end(), special.begin(), special.end());
  round_trip(cadence(v.size(), kNow, 1.0), v);
  round_trip(v, cadence(v.size(), 0.0, 1.0));  // the same doubles as times
}

TEST_CASE("a -0.0 among integers is kept, not read back as +0.0") {
  round_trip(cadence(4, kNow, 1.0), {1.0, -0.0, 2.0, 0.0});
  round_trip(cadence(3, kNow, 1.0), {-0.0, -0.0, -0.0});
}

TEST_CASE("integers round-trip, also beyond 2^53") {
  std::mt19937_64 rng(5);
  std::vector<double> small(1000), large(1000);
  for (auto& x : small) x = static_cast<double>(static_cast<std::int64_t>(rng() % 2001) - 1000);
  for (auto& x : large) x = std::ldexp(static_cast<double>(rng() >> 11), 10);  // multiples of 1024 near 2^63
  round_trip(cadence(1000, kNow, 1.0), small);
  round_trip(cadence(1000, kNow, 1.0), large);
  round_trip(cadence(3, kNow, 1.0), {9007199254740991.0, -9007199254740991.0, 9007199254740992.0});
}

TEST_CASE("decimals of different exponents share the largest one, or fall back to bit patterns") {
  round_trip(cadence(6, kNow, 1.0), {1.5, 2.25, 3.0, 0.001, 1e-22, 7.0});
  // 1e15 + 1 needs 16 digits at exponent 0; at exponent 1 it would need 17, past 2^53.
  round_trip(cadence(3, kNow, 1.0), {1e15 + 1, 0.1, 2.0});
  round_trip(cadence(3, kNow, 1.0), {0.1, 1e15 + 1, 2.0});
  // Decimals the nearest double cannot tell from a neighbour of more digits.
  round_trip(cadence(4, kNow, 1.0), {0.1 + 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0});
}

TEST_CASE("a few NaN and overflow readings among meter values keep the chunk small") {
  const std::size_t n = 3600;
  auto v = meter_series(n, 1e-3, 1e-3, 21);
  for (std::size_t i : {0u, 1u, 500u, 501u, 502u, 1777u, 3599u}) v[i] = std::numeric_limits<double>::quiet_NaN();
  v[900] = 9.9e37;  // SCPI-99 vol 1, 7.2.1.5: +infinity
  v[901] = -0.0;
  v[902] = std::bit_cast<double>(0x7ff4000000000123ull);
  const Blob blob = round_trip(cadence(n, kNow, 1.0), v);
  INFO(per_sample(blob, n) << " bytes per sample");
  CHECK(per_sample(blob, n) <= 3.2);
}

TEST_CASE("values that are mostly not decimals round-trip as bit patterns") {
  std::vector<double> v = meter_series(300, 1e-3, 1e-3, 22);
  for (std::size_t i = 0; i < v.size(); i += 2) v[i] = std::nan("");
  round_trip(cadence(v.size(), kNow, 1.0), v);
  round_trip(cadence(300, kNow, 1.0), std::vector<double>(300, std::nan("")));
  round_trip(cadence(5, kNow, 1.0), {std::nan(""), 1.0, std::nan(""), 2.5, std::nan("")});
}

TEST_CASE("empty, single-sample and block-edge chunks round-trip") {
  round_trip({}, {});
  round_trip({kNow}, {1e-3});
  round_trip({kNow, kNow + 1}, {1e-3, std::nan("")});
  for (std::size_t n : {3u, 127u, 128u, 129u, 130u, 131u, 255u, 256u, 257u, 258u, 1000u}) {
    INFO(n << " samples");
    round_trip(cadence(n, kNow, 1.0), meter_series(n, 1e-3, 1e-3, static_cast<unsigned>(n)));
    round_trip(cadence(n, kNow, 1.0), random_doubles(n, n));
  }
}

TEST_CASE("a chunk of kMaxChunkSamples samples round-trips and one more is refused") {
  const std::size_t n = db::kMaxChunkSamples;
  round_trip(cadence(n, kNow, 1.0), meter_series(n, 1e-3, 1e-3, 9));
  const std::vector<double> over(n + 1, 1.0);
  Blob blob;
  CHECK_THROWS_AS(db::encode_chunk(over, over, blob), std::length_error);
  const std::vector<double> two(2, 1.0), three(3, 1.0);
  CHECK_THROWS_AS(db::encode_chunk(two, three, blob), std::invalid_argument);
}

TEST_CASE("random bit patterns round-trip for several seeds") {
  for (std::uint64_t seed : {1u, 2u, 3u, 2024u, 0xdeadbeefu}) {
    INFO("seed " << seed);
    const auto v = random_doubles(2000, seed);
    round_trip(random_doubles(2000, seed + 100), v);
    const Blob blob = round_trip(cadence(2000, kNow, 1.0), v);
    CHECK(per_sample(blob, 2000) < 8.2);  // incompressible, but little overhead
  }
}

TEST_CASE("decoding appends to what the vectors already hold") {
  const Blob blob = encode({1.0, 2.0}, {10.0, 20.0});
  std::vector<double> t = {0.5}, v = {5.0};
  REQUIRE(db::decode_chunk(blob, t, v).has_value());
  CHECK(t == std::vector<double>{0.5, 1.0, 2.0});
  CHECK(v == std::vector<double>{5.0, 10.0, 20.0});
}

// ---- damaged and foreign blobs ------------------------------------------------------------

namespace {

// Decodes into vectors that already hold a sample: on failure they must be left as they were.
Status decode_into_used(const Blob& blob, std::size_t& decoded) {
  std::vector<double> t = {-1.0}, v = {-2.0};
  const Status s = db::decode_chunk(blob, t, v);
  if (!s) {
    CHECK(t == std::vector<double>{-1.0});
    CHECK(v == std::vector<double>{-2.0});
    CHECK(s.error().code == Errc::storage);
    decoded = 0;
  } else {
    CHECK(t.size() == v.size());
    decoded = t.size() - 1;
  }
  return s;
}

std::string error_of(const Blob& blob) {
  std::vector<double> t, v;
  const Status s = db::decode_chunk(blob, t, v);
  return s ? std::string("no error") : s.error().message;
}

// Blobs that exercise every stream kind and order, exceptions and the padded tail.
std::vector<Blob> sample_blobs() {
  std::vector<Blob> blobs;
  blobs.push_back(encode(cadence(300, kNow, 1.0), meter_series(300, 1e-3, 1e-3, 1)));
  blobs.push_back(encode(cadence(200, kNow, 0.5), random_doubles(200, 4)));
  std::vector<double> spiky(260, 5.0);
  for (std::size_t i = 0; i < spiky.size(); i += 37) spiky[i] = 1e6 + static_cast<double>(i);
  blobs.push_back(encode(cadence(260, 0x1p31 - 100.0, 1.0), spiky));
  blobs.push_back(encode({kNow}, {-0.0}));
  std::vector<double> patched = meter_series(150, 1e-3, 1e-3, 5);
  patched[3] = patched[140] = std::nan("");
  blobs.push_back(encode(cadence(150, kNow, 1.0), patched));
  return blobs;
}

}  // namespace

TEST_CASE("every truncation of a valid chunk is a storage error that leaves the output alone") {
  for (const Blob& blob : sample_blobs()) {
    std::size_t decoded = 0;
    REQUIRE(decode_into_used(blob, decoded).has_value());
    for (std::size_t len = 0; len < blob.size(); ++len) {
      INFO("truncated to " << len << " of " << blob.size() << " bytes");
      CHECK_FALSE(decode_into_used(Blob(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(len)), decoded).has_value());
    }
  }
}

TEST_CASE("chunks with random bytes changed decode to something or fail, never overrun") {
  std::mt19937_64 rng(77);
  std::size_t failed = 0, decoded_ok = 0;
  for (const Blob& original : sample_blobs()) {
    for (int round = 0; round < 3000; ++round) {
      Blob blob = original;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        const std::size_t at = rng() % blob.size();
        if (rng() % 2 == 0)
          blob[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        else
          blob[at] = static_cast<std::uint8_t>(rng());
      }
      std::size_t decoded = 0;
      if (decode_into_used(blob, decoded)) {
        ++decoded_ok;
        const auto n = db::chunk_samples(blob);
        REQUIRE(n.has_value());
        CHECK(decoded == *n);
      } else {
        ++failed;
      }
    }
  }
  // Both outcomes occur: bit flips inside packed bits still decode, damaged headers do not.
  CHECK(failed > 0);
  CHECK(decoded_ok > 0);
}

TEST_CASE("random bytes behind a valid format byte never overrun") {
  std::mt19937_64 rng(78);
  for (int round = 0; round < 20000; ++round) {
    Blob blob(1 + rng() % 64);
    for (auto& b : blob) b = static_cast<std::uint8_t>(rng());
    blob[0] = 1;
    if (blob.size() > 1 && rng() % 2 == 0) blob[1] = static_cast<std::uint8_t>(rng() % 8);  // a count that may fit
    std::size_t decoded = 0;
    (void)decode_into_used(blob, decoded);
  }
}

TEST_CASE("damaged chunk headers and blocks are refused with a message naming the fault") {
  CHECK(error_of({}) == "chunk: empty blob");
  CHECK(error_of({2, 0, 0, 0}) == "chunk: unsupported format 2 (this build reads format 1)");
  CHECK(error_of({1, 0x80}) == "chunk: truncated sample count");
  CHECK(error_of({1, 0x81, 0x80, 0x40}) == "chunk: 1048577 samples exceed the limit of 1048576");
  CHECK(error_of({1, 0x80, 0x80, 0x40, 0, 0}) ==
        "chunk: 1048576 samples cannot fit in the 2 bytes that follow the count");
  CHECK(error_of({1, 0, 0x03, 0x00}) == "chunk: bad time stream header 0x03");
  CHECK(error_of({1, 0, 0x00, 0x08}) == "chunk: bad value stream header 0x08");          // exponent without decimals
  CHECK(error_of({1, 0, 0x00, 0x04 | 23 << 3}) == "chunk: bad value stream header 0xbc");  // exponent 23
  CHECK(error_of({1, 0, 0x00, 0x00}) == "no error");
  CHECK(error_of({1, 0, 0x00, 0x00, 0x00}) == "chunk: 1 bytes after the value stream");
  // One sample; time: order 1, seed 0. Value: order 0, one block of one residual.
  CHECK(error_of({1, 1, 0x01, 0x00, 0x00, 0x00, 65, 0}) == "chunk: bit width 65 in the value stream (at most 64)");
  CHECK(error_of({1, 1, 0x01, 0x00, 0x00, 0x00, 0, 1, 5, 1}) ==
        "chunk: exception index 5 outside a block of 1 in the value stream");
  CHECK(error_of({1, 1, 0x01, 0x00, 0x00, 0x00, 0, 2, 0, 1, 0, 1}) ==
        "chunk: 2 exceptions in a block of 1 at width 0 in the value stream");
  CHECK(error_of({1, 1, 0x01, 0x00, 0x00, 0x00, 64, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}) ==
        "chunk: 1 exceptions in a block of 1 at width 64 in the value stream");
  CHECK(error_of({1, 1, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0x00}) ==
        "chunk: varint longer than 64 bits in the time stream at byte 13");
  CHECK(error_of({1, 1, 0x01, 0x00, 0x00, 0x00, 0, 1, 0}) == "chunk: truncated value stream");
  CHECK(error_of({1, 1, 0x01, 0x00, 0x00, 0x00, 0, 0}) == "no error");
  CHECK(error_of({1, 1, 0x01, 0x80}) == "chunk: truncated time stream");
  CHECK(error_of({1, 1, 0x01, 0x00}) == "chunk: truncated value stream");

  // One sample; time: order 1, seed 0. Value: decimals at exponent 0, order 0, m = 1, then
  // one patched value.
  const Blob decimal = {1, 1, 0x01, 0x00, 0x04, 0x02, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f};
  CHECK(error_of(decimal) == "no error");
  Blob bad = decimal;
  bad[8] = 2;
  CHECK(error_of(bad) == "chunk: 2 patched values in a chunk of 1 samples");
  bad = decimal;
  bad[9] = 1;
  CHECK(error_of(bad) == "chunk: patched value beyond the chunk of 1 samples");
  bad.assign(decimal.begin(), decimal.end() - 1);
  CHECK(error_of(bad) == "chunk: truncated value stream");

  const auto count = db::chunk_samples(Blob{1, 0x81, 0x80, 0x40});
  REQUIRE_FALSE(count.has_value());
  CHECK(count.error().code == Errc::storage);
}
