// The chunk format, version 1 (all integers little-endian, varints LEB128):
//   format byte (1), varint n, time stream, value stream
// A stream of n integers x[0..n):
//   header byte: bits 0-1 the order of differences (0 raw, 1 delta, 2 delta of delta),
//                bit 2 set for decimals (value stream), bits 3-7 the decimal exponent k
//   min(order, n) seeds: x[0], x[1] as zigzag varints
//   the n - seeds residuals in blocks of 128 (the last one shorter), each:
//     zigzag varint base (the block's least residual as int64), byte w (0..64),
//     packed_size(count, w) bytes: the low w bits of residual - base, value i at bit i*w,
//     varint exception count, then per exception: byte index, varint (residual - base) >> w
//   decimals only: varint count of values that are not decimals, then for each in order
//     varint gap (its index minus the previous one's plus one, or its index), its 8-byte
//     bit pattern (the integer stream holds a placeholder there)
// Residuals and their inverse are computed modulo 2^64, so any integers round-trip.
// Time integers are the IEEE 754 bit patterns of t; values are the decimal mantissas m of
// v = m / 10^k (chunk_decimal.hpp) when every value is one, else the bit patterns.
#include "db/chunk_codec.hpp"

#include "db/chunk_bits.hpp"
#include "db/chunk_decimal.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <bit>
#include <initializer_list>
#include <stdexcept>

namespace ledlab::db {
namespace {

using namespace chunk;

constexpr std::uint8_t kFormat = 1;
constexpr unsigned kMaxOrder = 2;
constexpr std::uint8_t kDecimalFlag = 0x04;
constexpr unsigned kExponentShift = 3;
// The least a block can take: a one-byte base, the width, a zero exception count.
constexpr std::size_t kMinBlockBytes = 3;

std::size_t seed_count(unsigned order, std::size_t n) { return std::min<std::size_t>(order, n); }

// ---- encoding -----------------------------------------------------------------------------

// The residuals of x[first], ..., x[first + count - 1], with first >= order.
void residuals(const std::uint64_t* x, unsigned order, std::size_t first, std::size_t count, std::uint64_t* r) {
  switch (order) {
    case 0:
      std::copy_n(x + first, count, r);
      break;
    case 1:
      for (std::size_t j = 0, i = first; j < count; ++j, ++i) r[j] = x[i] - x[i - 1];
      break;
    default:
      for (std::size_t j = 0, i = first; j < count; ++j, ++i) r[j] = x[i] - 2 * x[i - 1] + x[i - 2];
      break;
  }
}

struct BlockPlan {
  std::uint64_t base = 0;
  unsigned w = 0;
  std::size_t bytes = 0;  // the whole block as written
};

// Chooses the frame of reference and the bit width, and subtracts the base from r in place.
// The width minimises the block's bytes: each value below 2^w costs w bits, each above also
// an exception (index byte and varint of its high bits), costed from a histogram of bit
// lengths.
BlockPlan plan_block(std::uint64_t* r, std::size_t count) {
  std::int64_t least = static_cast<std::int64_t>(r[0]);
  for (std::size_t i = 1; i < count; ++i) least = std::min(least, static_cast<std::int64_t>(r[i]));
  const auto base = static_cast<std::uint64_t>(least);
  // Four histograms, merged after: runs of equal lengths would otherwise wait on each
  // increment of one counter.
  std::array<std::array<std::uint16_t, 65>, 4> partial{};
  std::uint64_t any = 0;
  for (std::size_t i = 0; i < count; ++i) {
    r[i] -= base;
    any |= r[i];
    ++partial[i % 4][bit_length(r[i])];
  }
  const unsigned widest = bit_length(any);
  std::array<std::uint32_t, 65> lengths;
  for (unsigned b = 0; b <= widest; ++b) lengths[b] = partial[0][b] + partial[1][b] + partial[2][b] + partial[3][b];
  unsigned best_w = widest;
  std::size_t best = packed_size(count, widest) + 1;  // + a zero exception count
  std::size_t exceptions = 0, exception_bits = 0;
  for (unsigned w = widest; w-- > 0;) {
    exceptions += lengths[w + 1];
    // A value of b bits that is an exception at width v < b costs v packed bits, an index
    // byte and 8 ceil((b - v) / 7) >= b - v bits of varint: at least b + 8 bits whatever v.
    // Narrower widths keep every exception of this one, so once those alone cost as much
    // as the best so far, no narrower width can win.
    exception_bits += std::size_t{lengths[w + 1]} * (w + 1 + 8);
    if (varint_size(exceptions) + (exception_bits + 7) / 8 >= best) break;
    std::size_t bytes = packed_size(count, w) + varint_size(exceptions);
    for (unsigned b = w + 1; b <= widest; ++b) bytes += lengths[b] * (1 + (b - w + 6) / 7);
    if (bytes < best) {
      best = bytes;
      best_w = w;
    }
  }
  return {base, best_w, varint_size(zigzag(base)) + 1 + best};
}

void emit_block(std::vector<std::uint8_t>& out, const std::uint64_t* u, std::size_t count, const BlockPlan& plan) {
  put_varint(out, zigzag(plan.base));
  out.push_back(static_cast<std::uint8_t>(plan.w));
  if (plan.w == 64) {
    pack_bits(out, u, count, 64);
    out.push_back(0);
    return;
  }
  const std::uint64_t mask = low_mask(plan.w);
  std::array<std::uint64_t, kBlock> low;
  std::size_t exceptions = 0;
  for (std::size_t i = 0; i < count; ++i) {
    low[i] = u[i] & mask;
    exceptions += (u[i] >> plan.w) != 0;
  }
  pack_bits(out, low.data(), count, plan.w);
  put_varint(out, exceptions);
  for (std::size_t i = 0; exceptions != 0 && i < count; ++i) {
    if (const std::uint64_t high = u[i] >> plan.w; high != 0) {
      out.push_back(static_cast<std::uint8_t>(i));
      put_varint(out, high);
    }
  }
}

// Calls visit(residuals, count) for each block of x's residuals of the given order.
template <class Visit>
void for_each_block(const std::vector<std::uint64_t>& x, unsigned order, Visit&& visit) {
  std::array<std::uint64_t, kBlock> r;
  for (std::size_t first = seed_count(order, x.size()); first < x.size(); first += kBlock) {
    const std::size_t count = std::min(kBlock, x.size() - first);
    residuals(x.data(), order, first, count, r.data());
    visit(r.data(), count);
  }
}

std::size_t stream_size(const std::vector<std::uint64_t>& x, unsigned order) {
  std::size_t bytes = 1;
  for (std::size_t i = 0; i < seed_count(order, x.size()); ++i) bytes += varint_size(zigzag(x[i]));
  for_each_block(x, order, [&](std::uint64_t* r, std::size_t count) { bytes += plan_block(r, count).bytes; });
  return bytes;
}

void emit_stream(std::vector<std::uint8_t>& out, const std::vector<std::uint64_t>& x, unsigned order,
                 std::uint8_t kind_bits) {
  out.push_back(static_cast<std::uint8_t>(order | kind_bits));
  for (std::size_t i = 0; i < seed_count(order, x.size()); ++i) put_varint(out, zigzag(x[i]));
  for_each_block(x, order, [&](std::uint64_t* r, std::size_t count) {
    const BlockPlan plan = plan_block(r, count);
    emit_block(out, r, count, plan);
  });
}

struct OrderChoice {
  unsigned order = 0;
  std::size_t bytes = 0;
};

// Whichever of the candidate orders takes fewest bytes for x.
OrderChoice smallest_order(const std::vector<std::uint64_t>& x, std::initializer_list<unsigned> orders) {
  OrderChoice best{*orders.begin(), SIZE_MAX};
  for (unsigned order : orders) {
    if (const std::size_t bytes = stream_size(x, order); bytes < best.bytes) best = {order, bytes};
  }
  return best;
}

void reserve_more(std::vector<std::uint8_t>& out, std::size_t bytes) {
  // Geometric growth still, for callers that append many chunks to one buffer.
  if (out.capacity() - out.size() < bytes) out.reserve(std::max(out.size() + bytes, 2 * out.capacity()));
}

std::size_t patches_size(const std::vector<std::size_t>& patches) {
  std::size_t bytes = varint_size(patches.size()), next = 0;
  for (std::size_t i : patches) {
    bytes += varint_size(i - next) + sizeof(std::uint64_t);
    next = i + 1;
  }
  return bytes;
}

void emit_patches(std::vector<std::uint8_t>& out, std::span<const double> v, const std::vector<std::size_t>& patches) {
  put_varint(out, patches.size());
  std::size_t next = 0;
  for (std::size_t i : patches) {
    put_varint(out, i - next);
    next = i + 1;
    const std::size_t at = out.size();
    out.resize(at + sizeof(std::uint64_t));
    store_le64(out.data() + at, std::bit_cast<std::uint64_t>(v[i]));
  }
}

std::uint8_t decimal_header(unsigned exponent) {
  return static_cast<std::uint8_t>(kDecimalFlag | exponent << kExponentShift);
}

// ---- decoding -----------------------------------------------------------------------------

Error damaged(std::string message) { return make_error(Errc::storage, "chunk: " + std::move(message)); }

struct StreamHeader {
  unsigned order = 0;
  bool decimal = false;
  unsigned exponent = 0;
};

Result<StreamHeader> parse_header(std::uint8_t byte, const char* stream) {
  StreamHeader h{static_cast<unsigned>(byte & 3u), (byte & kDecimalFlag) != 0, static_cast<unsigned>(byte >> kExponentShift)};
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
    return fail(make_error(Errc::storage, fmt::format("chunk: unsupported format {} (this build reads format {})",
                                                      format, kFormat)));
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

void encode_chunk(std::span<const double> t, std::span<const double> v, std::vector<std::uint8_t>& out) {
  if (t.size() != v.size())
    throw std::invalid_argument(fmt::format("encode_chunk: {} times but {} values", t.size(), v.size()));
  if (t.size() > kMaxChunkSamples)
    throw std::length_error(fmt::format("encode_chunk: {} samples exceed the limit of {}", t.size(), kMaxChunkSamples));
  out.push_back(kFormat);
  put_varint(out, t.size());

  std::vector<std::uint64_t> x(t.size());
  std::transform(t.begin(), t.end(), x.begin(), [](double d) { return std::bit_cast<std::uint64_t>(d); });
  // A cadence gives a constant delta (order 1) and zero delta of delta (order 2); raw
  // patterns of a time series never beat both.
  const OrderChoice time = smallest_order(x, {1, 2});
  reserve_more(out, time.bytes);
  emit_stream(out, x, time.order, 0);

  std::vector<std::uint64_t> raw;
  OrderChoice raw_value;
  const auto use_bit_patterns = [&] {
    raw.resize(v.size());
    std::transform(v.begin(), v.end(), raw.begin(), [](double d) { return std::bit_cast<std::uint64_t>(d); });
    raw_value = smallest_order(raw, {0, 1, 2});
  };
  if (const auto decimals = find_decimals(v, x)) {
    const OrderChoice value = smallest_order(x, {0, 1, 2});
    const std::size_t bytes = value.bytes + patches_size(decimals->patches);
    // With patches, bit patterns may still be smaller.
    if (!decimals->patches.empty()) use_bit_patterns();
    if (decimals->patches.empty() || bytes <= raw_value.bytes) {
      reserve_more(out, bytes);
      emit_stream(out, x, value.order, decimal_header(decimals->exponent));
      emit_patches(out, v, decimals->patches);
      return;
    }
  } else {
    use_bit_patterns();
  }
  reserve_more(out, raw_value.bytes);
  emit_stream(out, raw, raw_value.order, 0);
}

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
