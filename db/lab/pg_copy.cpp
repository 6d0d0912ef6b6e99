#include "db/lab/pg_copy.hpp"

#include <bit>
#include <cstring>

namespace ledlab::db::lab {

CopyWriter::CopyWriter(Sink sink, std::size_t flush_bytes) : sink_(std::move(sink)), flush_bytes_(flush_bytes) {
  buf_.reserve(flush_bytes_ + 4096);
}

void CopyWriter::put_be(std::uint64_t v, int bytes) {
  char b[8];
  for (int i = 0; i < bytes; ++i) b[i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  buf_.append(b, static_cast<std::size_t>(bytes));
}

void CopyWriter::maybe_flush() {
  if (buf_.size() < flush_bytes_ || !ok()) return;
  status_ = sink_(buf_);
  buf_.clear();
}

void CopyWriter::raw(std::string_view bytes) {
  if (ok()) buf_.append(bytes);
}

Status CopyWriter::finish() {
  if (ok() && !buf_.empty()) status_ = sink_(buf_);
  buf_.clear();
  return status_;
}

void CopyWriter::begin_row(std::int16_t fields) {
  if (!ok()) return;
  maybe_flush();
  if (!ok()) return;
  put_be(static_cast<std::uint16_t>(fields), 2);
  ++rows_;
}

void CopyWriter::int64(std::int64_t v) {
  if (!ok()) return;
  field_length(8);
  put_be(static_cast<std::uint64_t>(v), 8);
}

void CopyWriter::int32(std::int32_t v) {
  if (!ok()) return;
  field_length(4);
  put_be(static_cast<std::uint32_t>(v), 4);
}

void CopyWriter::int16(std::int16_t v) {
  if (!ok()) return;
  field_length(2);
  put_be(static_cast<std::uint16_t>(v), 2);
}

// float8send: the IEEE 754 double's bits, big-endian.
void CopyWriter::float8(double v) {
  if (!ok()) return;
  field_length(8);
  put_be(std::bit_cast<std::uint64_t>(v), 8);
}

void CopyWriter::text(std::string_view v) {
  if (!ok()) return;
  field_length(static_cast<std::int32_t>(v.size()));
  buf_.append(v);
}

void CopyWriter::bytes(std::span<const std::uint8_t> v) {
  if (!ok()) return;
  field_length(static_cast<std::int32_t>(v.size()));
  buf_.append(reinterpret_cast<const char*>(v.data()), v.size());
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

// uuid_send: the 16 bytes in the order they are written.
void CopyWriter::uuid(std::string_view t) {
  if (!ok()) return;
  char out[16];
  int n = 0;
  bool good = t.size() == 36;
  for (std::size_t i = 0; good && i < t.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      good = t[i] == '-';
      continue;
    }
    const int hi = hex_value(t[i]);
    const int lo = i + 1 < t.size() ? hex_value(t[i + 1]) : -1;
    if (hi < 0 || lo < 0) {
      good = false;
      break;
    }
    out[n++] = static_cast<char>(hi << 4 | lo);
    ++i;
  }
  if (!good || n != 16) {
    status_ = fail(Errc::invalid_argument, "COPY: '" + std::string(t) + "' is not a UUID");
    return;
  }
  field_length(16);
  buf_.append(out, 16);
}

// date_send: a 32-bit day count from 2000-01-01, PostgreSQL's epoch.
void CopyWriter::date(std::int32_t days) {
  if (!ok()) return;
  field_length(4);
  put_be(static_cast<std::uint32_t>(days), 4);
}

void CopyWriter::null() {
  if (!ok()) return;
  field_length(-1);
}

}  // namespace ledlab::db::lab
