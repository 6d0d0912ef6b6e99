#pragma once
// Rows in PostgreSQL's binary COPY format (PostgreSQL docs, "COPY", "Binary Format"): every
// field is a 32-bit big-endian length (-1 for NULL) followed by the type's binary "send"
// representation. The header and the trailer are PgConnection::copy_in's business.
#include "core/error.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace ledlab::db::lab {

class CopyWriter {
 public:
  // `sink` receives the buffered bytes whenever about `flush_bytes` have piled up, and the
  // rest at finish(). Its first failure sticks: later writes are dropped and ok() is false.
  using Sink = std::function<Status(std::string_view)>;
  explicit CopyWriter(Sink sink, std::size_t flush_bytes = std::size_t{1} << 20);

  void begin_row(std::int16_t fields);
  void int64(std::int64_t v);
  void int32(std::int32_t v);
  void int16(std::int16_t v);
  void float8(double v);
  void text(std::string_view v);   // text, varchar, name: the UTF-8 bytes
  void bytes(std::span<const std::uint8_t> v);  // bytea
  void json(std::string_view v) { text(v); }     // json's binary form is its text
  void uuid(std::string_view text_uuid);         // "8-4-4-4-12" hex; a malformed one fails the copy
  void date(std::int32_t days_since_2000_01_01);
  void null();

  bool ok() const { return status_.has_value(); }
  const Status& status() const { return status_; }
  std::int64_t rows() const { return rows_; }

  // Used by copy_in: raw bytes (header, trailer), and the final flush.
  void raw(std::string_view bytes);
  Status finish();

 private:
  void put_be(std::uint64_t v, int bytes);
  void field_length(std::int32_t n) { put_be(static_cast<std::uint32_t>(n), 4); }
  void maybe_flush();

  Sink sink_;
  std::size_t flush_bytes_;
  std::string buf_;
  std::int64_t rows_ = 0;
  Status status_;
};

}  // namespace ledlab::db::lab
