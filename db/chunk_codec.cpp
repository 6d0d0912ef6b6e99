// TEMPORARY stand-in (not committed): raw doubles, until the real codec lands.
#include "db/chunk_codec.hpp"
#include <cstring>
namespace ledlab::db {
void encode_chunk(std::span<const double> t, std::span<const double> v, std::vector<std::uint8_t>& out) {
  std::uint32_t n = static_cast<std::uint32_t>(t.size());
  auto at = out.size();
  out.resize(at + 4 + 16 * t.size());
  std::memcpy(out.data() + at, &n, 4);
  std::memcpy(out.data() + at + 4, t.data(), 8 * n);
  std::memcpy(out.data() + at + 4 + 8 * n, v.data(), 8 * n);
}
Result<std::size_t> chunk_samples(std::span<const std::uint8_t> b) {
  if (b.size() < 4) return fail(Errc::storage, "chunk: truncated");
  std::uint32_t n; std::memcpy(&n, b.data(), 4);
  if (b.size() != 4 + 16ull * n) return fail(Errc::storage, "chunk: bad size");
  return n;
}
Status decode_chunk(std::span<const std::uint8_t> b, std::vector<double>& t, std::vector<double>& v) {
  auto n = chunk_samples(b);
  if (!n) return fail(n.error());
  auto t0 = t.size(); t.resize(t0 + *n); v.resize(t0 + *n);
  std::memcpy(t.data() + t0, b.data() + 4, 8 * *n);
  std::memcpy(v.data() + t0, b.data() + 4 + 8 * *n, 8 * *n);
  return {};
}
}
