// Encoding: each stream takes the order of differences and, per block, the bit width that
// make it smallest (the layout is in chunk_format.hpp).
#include "db/chunk_codec.hpp"

#include "db/chunk_decimal.hpp"
#include "db/chunk_format.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <bit>
#include <initializer_list>
#include <stdexcept>

namespace ledlab::db {
namespace {

using namespace chunk;

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
    // A value of b bits, an exception at any width u < b, costs u packed bits, an index
    // byte and 8 ceil((b - u) / 7) >= b - u bits of varint: at least b + 8 bits. Narrower
    // widths keep every exception of this one, so once these alone cost as much as the
    // best so far, no narrower width can win.
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

}  // namespace ledlab::db
