#pragma once
// Thin RAII layer over the SQLite C API: a connection, a prepared statement and a
// transaction that rolls back unless committed. Only what the store needs; every
// failure becomes an Errc::storage error carrying SQLite's own message.
#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace ledlab::db {

class Statement;

class Connection {
 public:
  // immutable: read only, and SQLite may assume nothing changes the file, so it takes no
  // locks and needs no -shm file (SQLite docs, "URI filenames", immutable=1): for stores on
  // read-only media, where WAL mode could not create its -shm.
  enum class Mode { read_write_create, read_only, immutable };

  Connection() = default;
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Opens `path` (":memory:" works) with the busy timeout every ledlab connection uses.
  static Result<Connection> open(const std::string& path, Mode mode);

  Status exec(std::string_view sql);  // one or more statements, no results
  Result<Statement> prepare(std::string_view sql);
  Result<std::int64_t> query_int(std::string_view sql);  // first column of the first row
  Result<std::string> query_text(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  int changes() const;
  // False in autocommit mode, which includes after an error that made SQLite roll back the
  // whole transaction (SQLite docs, "Response To Errors Within A Transaction").
  bool in_transaction() const;
  std::string last_message() const;
  int last_error_code() const;  // sqlite3_extended_errcode of the last failed call
  sqlite3* handle() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A prepared statement. Bind indexes are 1-based as in SQLite; column indexes 0-based.
class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);  // copied by SQLite (SQLITE_TRANSIENT)
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind_null(int index);
  // Not copied: `bytes` must stay alive until the statement is stepped and reset.
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Steps to completion (INSERT/UPDATE) and resets so the statement can run again.
  Status run();
  void reset();   // also clears bindings
  void rewind();  // reset only: the hot loop rebinds every parameter anyway

  bool is_null(int col) const;
  std::int64_t column_int(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  std::optional<double> column_opt_double(int col) const;
  std::optional<std::int64_t> column_opt_int(int col) const;
  // Valid until the next step, reset or column call on this statement.
  std::span<const std::uint8_t> column_blob(int col) const;

  sqlite3_stmt* handle() const { return stmt_; }

 private:
  friend class Connection;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction, ROLLBACK in the destructor unless commit() succeeded.
// IMMEDIATE takes the write lock up front, so a busy database fails here rather than at
// the first write halfway through a batch.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

Error storage_error(sqlite3* db, std::string_view what);

}  // namespace ledlab::db
