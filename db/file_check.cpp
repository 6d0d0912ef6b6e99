#include "db/file_check.hpp"

#include <fmt/core.h>

#include <array>
#include <cstdint>
#include <fstream>

namespace ledlab::db {
namespace {

constexpr std::size_t kHeaderBytes = 100;
constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its terminating NUL

std::uint32_t big_endian(const unsigned char* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

Status check_header(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) return {};  // missing or empty: SQLite starts a new database in it
  std::array<unsigned char, kHeaderBytes> h{};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(h.size()));
  const auto got = static_cast<std::size_t>(in.gcount());
  if (got < sizeof kMagic || !std::equal(std::begin(kMagic), std::end(kMagic), h.begin()))
    return fail(Errc::storage, "not a SQLite database (no SQLite header at its start)");
  if (got < kHeaderBytes)
    return fail(Errc::storage, fmt::format("truncated: {} bytes, shorter than the 100-byte SQLite header", size));
  // Offset 16: page size, 1 meaning 65536; a power of two from 512 on.
  std::uint32_t page = big_endian(&h[16], 2);
  if (page == 1) page = 65536;
  if (page < 512 || (page & (page - 1)) != 0)
    return fail(Errc::storage, fmt::format("damaged SQLite header (page size {})", page));
  // Offset 28: the database size in pages, valid when the change counter (offset 24) equals
  // the version-valid-for number (offset 92). Until a checkpoint the write-ahead log may hold
  // pages the main file does not have yet (and a hot rollback journal may be about to restore
  // them), so the size is only compared when neither is there.
  const std::uint32_t pages = big_endian(&h[28], 4);
  const bool pages_valid = pages > 0 && big_endian(&h[24], 4) == big_endian(&h[92], 4);
  bool has_log = false;
  for (const char* suffix : {"-wal", "-journal"}) {
    auto log = path;
    log += suffix;
    const auto log_size = std::filesystem::file_size(log, ec);
    has_log = has_log || (!ec && log_size > 0);
  }
  if (pages_valid && !has_log && size < std::uintmax_t{pages} * page)
    return fail(Errc::storage, fmt::format("truncated: its header records {} pages of {} bytes ({} bytes), the file "
                                           "has {} bytes",
                                           pages, page, std::uintmax_t{pages} * page, size));
  return {};
}

Status quick_check(Connection& conn) {
  auto st = conn.prepare("PRAGMA quick_check(3)");  // at most three problems in the message
  if (!st) return fail(st.error());
  std::string problems;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    const std::string line = st->column_text(0);
    if (line == "ok") return {};
    problems += (problems.empty() ? "" : "; ") + line;
  }
  return fail(Errc::storage, fmt::format("damaged: quick_check found: {}", problems));
}

}  // namespace ledlab::db
