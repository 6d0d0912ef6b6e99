// Decoding, safe on any bytes: every read is bounded by the blob, every count by the chunk
// (the layout is in chunk_format.hpp).
#include "db/chunk_codec.hpp"

#include "db/chunk_decimal.hpp"
#include "db/chunk_format.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <bit>

namespace ledlab::db {
namespace {

using namespace chunk;

Error damaged(std::string message) { return make_error(Errc::storage, "chunk: " + std::move(message)); }

struct StreamHeader {
  unsigned order = 0;
  bool decimal = false;
  unsigned exponent = 0;
};

Result<StreamHeader> parse_header(std::uint8_t byte, const char* stream) {
  StreamHeader h{static_cast<unsigned>(byte & kOrderMask), (byte & kDecimalFlag) != 0, static_cast<unsigned>(byte >> kExponentShift)};
  if (h.order > kMaxOrder || h.exponent > kMaxDecimalExponent || (!h.decimal && h.exponent != 0))
    return fail(damaged(fmt::format("bad {} stream header 0x{:02x}", stream, byte)));
  return h;
}

// Undoes the differences, block after block, and turns integers into doubles.
template <unsigned Order, class ToDouble>
struct Integrator {
  ToDouble to_double;
  std::uint64_t last = 0;  // the previous integer
  std::uint64_t step = 0;  // the previous first difference (order 2)

  void seeds(const std::uint64_t* s, std::size_t count, std::vector<double>& out) {
    for (std::size_t i = 0; i < count; ++i) out.push_back(to_double(s[i]));
    if (count > 0) last = s[count - 1];
    if (count > 1) step = s[1] - s[0];
  }

  void block(const std::uint64_t* r, std::size_t count, std::vector<double>& out) {
    std::array<double, kBlock> d;
    for (std::size_t i = 0; i < count; ++i) {
      std::uint64_t x = r[i];
      if constexpr (Order == 1) {
        x += last;
        last = x;
      } else if constexpr (Order == 2) {
        step += x;
        x = last + step;
        last = x;
      }
      d[i] = to_double(x);
    }
    out.insert(out.end(), d.begin(), d.begin() + static_cast<std::ptrdiff_t>(count));
  }
};

class StreamDecoder {
 public:
  StreamDecoder(ByteReader& in, const char* name) : in_(in), name_(name) {}

  Status decode(std::size_t n, std::vector<double>& out) {
    std::uint8_t byte = 0;
    if (in_.byte(byte) != ByteReader::Got::ok) return fail(truncated());
    auto h = parse_header(byte, name_);
    if (!h) return fail(h.error());
    if (!h->decimal) return dispatch(*h, n, out, [](std::uint64_t x) { return std::bit_cast<double>(x); });
    const std::size_t start = out.size();
    Status s;
    if (h->exponent == 0) {
      s = dispatch(*h, n, out, [](std::uint64_t x) { return static_cast<double>(static_cast<std::int64_t>(x)); });
    } else {
      const double scale = kPow10[h->exponent];
      s = dispatch(*h, n, out,
                   [scale](std::uint64_t x) { return static_cast<double>(static_cast<std::int64_t>(x)) / scale; });
    }
    if (!s) return s;
    return read_patches(std::span(out).subspan(start));
  }

 private:
  Error truncated() const { return damaged(fmt::format("truncated {} stream", name_)); }

  Status read_varint(std::uint64_t& x) {
    switch (in_.varint(x)) {
      case ByteReader::Got::ok: return {};
      case ByteReader::Got::truncated: return fail(truncated());
      case ByteReader::Got::overlong: break;
    }
    return fail(damaged(fmt::format("varint longer than 64 bits in the {} stream at byte {}", name_, in_.position())));
  }

  // The values a decimal stream holds as bit patterns, over the placeholders in `values`.
  Status read_patches(std::span<double> values) {
    std::uint64_t count = 0;
    if (auto s = read_varint(count); !s) return s;
    if (count > values.size())
      return fail(damaged(fmt::format("{} patched values in a chunk of {} samples", count, values.size())));
    std::size_t next = 0;  // patches are in increasing order, each index a gap after the last
    for (std::uint64_t p = 0; p < count; ++p) {
      std::uint64_t gap = 0;
      if (auto s = read_varint(gap); !s) return s;
      if (gap >= values.size() - next)
        return fail(damaged(fmt::format("patched value beyond the chunk of {} samples", values.size())));
      const std::size_t index = next + static_cast<std::size_t>(gap);
      if (in_.remaining() < sizeof(std::uint64_t)) return fail(truncated());
      values[index] = std::bit_cast<double>(load_le64(in_.here()));
      in_.skip(sizeof(std::uint64_t));
      next = index + 1;
    }
    return {};
  }

  template <class ToDouble>
  Status dispatch(const StreamHeader& h, std::size_t n, std::vector<double>& out, ToDouble to_double) {
    switch (h.order) {
      case 0: return run(Integrator<0, ToDouble>{to_double}, n, out);
      case 1: return run(Integrator<1, ToDouble>{to_double}, n, out);
      default: return run(Integrator<2, ToDouble>{to_double}, n, out);
    }
  }

  template <unsigned Order, class ToDouble>
  Status run(Integrator<Order, ToDouble> integrator, std::size_t n, std::vector<double>& out) {
    std::array<std::uint64_t, kMaxOrder> seeds{};
    const std::size_t seeded = seed_count(Order, n);
    for (std::size_t i = 0; i < seeded; ++i) {
      if (auto s = read_varint(seeds[i]); !s) return s;
      seeds[i] = unzigzag(seeds[i]);
    }
    integrator.seeds(seeds.data(), seeded, out);
    std::array<std::uint64_t, kBlock> r;
    for (std::size_t done = seeded; done < n; done += kBlock) {
      const std::size_t count = std::min(kBlock, n - done);
      if (auto s = read_block(r.data(), count); !s) return s;
      integrator.block(r.data(), count, out);
    }
    return {};
  }

  // Reads one block's residuals into r.
  Status read_block(std::uint64_t* r, std::size_t count) {
    std::uint64_t base = 0;
    if (auto s = read_varint(base); !s) return s;
    base = unzigzag(base);
    std::uint8_t w = 0;
    if (in_.byte(w) != ByteReader::Got::ok) return fail(truncated());
    if (w > 64) return fail(damaged(fmt::format("bit width {} in the {} stream (at most 64)", w, name_)));
    const std::size_t packed = packed_size(count, w);
    if (packed > in_.remaining()) return fail(truncated());
    if (in_.remaining() >= packed + kUnpackSlack) {
      unpack_bits(in_.here(), count, w, r);
    } else {
      // The blob ends within a word of the packed bits: unpack from a padded copy.
      std::array<std::uint8_t, kBlock * 8 + kUnpackSlack> padded{};
      std::copy_n(in_.here(), packed, padded.begin());
      unpack_bits(padded.data(), count, w, r);
    }
    in_.skip(packed);
    std::uint64_t exceptions = 0;
    if (auto s = read_varint(exceptions); !s) return s;
    if (exceptions > count || (w == 64 && exceptions != 0))
      return fail(damaged(fmt::format("{} exceptions in a block of {} at width {} in the {} stream", exceptions,
                                      count, w, name_)));
    for (std::uint64_t e = 0; e < exceptions; ++e) {
      std::uint8_t index = 0;
      if (in_.byte(index) != ByteReader::Got::ok) return fail(truncated());
      if (index >= count)
        return fail(damaged(fmt::format("exception index {} outside a block of {} in the {} stream", index, count, name_)));
      std::uint64_t high = 0;
      if (auto s = read_varint(high); !s) return s;
      r[index] |= high << w;
    }
    for (std::size_t i = 0; i < count; ++i) r[i] += base;
    return {};
  }

  ByteReader& in_;
  const char* name_;
};

// The format byte and n; n is checked against the limit and against what the bytes that
// follow could possibly hold, so no caller reserves memory for a count a short blob claims.
Result<std::size_t> read_count(ByteReader& in) {
  std::uint8_t format = 0;
  if (in.byte(format) != ByteReader::Got::ok) return fail(damaged("empty blob"));
  if (format != kFormat)
    return fail(damaged(fmt::format("unsupported format {} (this build reads format {})", format, kFormat)));
  std::uint64_t n = 0;
  switch (in.varint(n)) {
    case ByteReader::Got::ok: break;
    case ByteReader::Got::truncated: return fail(damaged("truncated sample count"));
    case ByteReader::Got::overlong: return fail(damaged("sample count longer than 64 bits"));
  }
  if (n > kMaxChunkSamples)
    return fail(damaged(fmt::format("{} samples exceed the limit of {}", n, kMaxChunkSamples)));
  const std::size_t blocks = n > kMaxOrder ? (n - kMaxOrder + kBlock - 1) / kBlock : 0;
  if (const std::size_t least = 2 * (1 + blocks * kMinBlockBytes); least > in.remaining())
    return fail(damaged(fmt::format("{} samples cannot fit in the {} bytes that follow the count", n,
                                    in.remaining())));
  return static_cast<std::size_t>(n);
}

}  // namespace

Status decode_chunk(std::span<const std::uint8_t> blob, std::vector<double>& t, std::vector<double>& v) {
  ByteReader in(blob);
  auto n = read_count(in);
  if (!n) return fail(n.error());
  const std::size_t t_before = t.size(), v_before = v.size();
  t.reserve(t_before + *n);
  v.reserve(v_before + *n);
  Status s = StreamDecoder(in, "time").decode(*n, t);
  if (s) s = StreamDecoder(in, "value").decode(*n, v);
  if (s && in.remaining() != 0) s = fail(damaged(fmt::format("{} bytes after the value stream", in.remaining())));
  if (!s) {
    t.resize(t_before);
    v.resize(v_before);
  }
  return s;
}

Result<std::size_t> chunk_samples(std::span<const std::uint8_t> blob) {
  ByteReader in(blob);
  return read_count(in);
}

}  // namespace ledlab::db
