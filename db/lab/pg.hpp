#pragma once
// Thin RAII layer over libpq for the lab database: a connection, a result and a transaction
// that rolls back unless committed. Every failure is an Error naming the database (never its
// password) and PostgreSQL's SQLSTATE; a lost connection is Errc::disconnected so that the
// caller reconnects and retries.
#include "core/error.hpp"
#include "db/lab/pg_copy.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

struct pg_conn;
struct pg_result;

namespace ledlab::db::lab {

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* res);

  int rows() const;
  int columns() const;
  bool is_null(int row, int col) const;
  std::string_view text(int row, int col) const;                // "" when NULL
  std::optional<std::int64_t> int64(int row, int col) const;    // nullopt when NULL or not an integer
  std::optional<double> float8(int row, int col) const;         // nullopt when NULL or not a number
  std::string bytea(int row, int col) const;                    // text-format bytea (\x...) decoded
  std::optional<int> column(std::string_view name) const;
  std::string_view command_tuples() const;                      // PQcmdTuples: "3" after INSERT 0 3
  std::string_view command_status() const;                      // PQcmdStatus: "COMMIT", "INSERT 0 3"

 private:
  struct Free {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Free> res_;
};

// One thread at a time (libpq docs, "Behavior in Threaded Programs": a PGconn is not shared).
class PgConnection {
 public:
  PgConnection() = default;
  PgConnection(PgConnection&&) noexcept = default;
  PgConnection& operator=(PgConnection&&) noexcept = default;
  ~PgConnection();

  // url: a postgresql:// URI or a key=value conninfo string. connect_timeout defaults to
  // `connect_timeout_s` and application_name to ledlab unless the URL sets them.
  // Errc::unreachable when the server cannot be reached (refused, timeout, starting up),
  // Errc::storage when it refuses us (authentication, no such database, TLS required).
  static Result<PgConnection> connect(const std::string& url, int connect_timeout_s = 10);

  Status exec(std::string_view sql);  // simple query protocol: may hold several statements
  Result<PgResult> query(std::string_view sql, std::initializer_list<std::optional<std::string>> params = {});
  Result<PgResult> query(std::string_view sql, std::span<const std::optional<std::string>> params);
  // `copy_sql` is a COPY ... FROM STDIN (FORMAT binary); `produce` appends rows to the writer,
  // which sends them in pieces of about 1 MiB. A failure of `produce` aborts the COPY (the
  // server discards every row of it) and is returned as it is. Result: rows copied.
  Result<std::int64_t> copy_in(std::string_view copy_sql, const std::function<Status(CopyWriter&)>& produce);
  // Binary COPY of `columns` ("a, b, c") into `table` ("ledlab.chunks") for any role. PostgreSQL
  // refuses COPY FROM into a table whose row-level security applies to the role (SQLSTATE
  // 0A000, "COPY FROM not supported with row-level security"; PostgreSQL docs, "COPY",
  // Notes), which is a station's case for every table but ledlab.chunks: then the rows are
  // copied into a session temporary table and moved with one INSERT ... SELECT, to which the
  // policies apply (a row of another station fails the whole statement, 42501). The owner, and
  // a station into ledlab.chunks (its trigger checks each row), copy directly. Run it inside the
  // caller's transaction. Result: rows stored.
  Result<std::int64_t> copy_into(std::string_view table, std::string_view columns,
                                 const std::function<Status(CopyWriter&)>& produce);

  bool healthy() const;  // PQstatus == CONNECTION_OK
  bool tls() const;
  std::string tls_version() const;     // "TLSv1.3"; "" without TLS
  std::string server_version() const;  // "15.18"
  std::string user() const;
  std::string describe() const;        // "role@host:port/db", never a password
  std::string_view last_sqlstate() const { return sqlstate_; }
  pg_conn* handle() const { return conn_.get(); }
  explicit operator bool() const { return conn_ != nullptr; }

 private:
  struct Finish {
    void operator()(pg_conn* c) const;
  };
  // The error of a failed call: disconnected when the connection is gone, else storage.
  Error error_of(pg_result* res, std::string_view what);
  Result<PgResult> checked(pg_result* res, std::string_view what);

  std::unique_ptr<pg_conn, Finish> conn_;
  std::string sqlstate_;
};

// BEGIN on begin(); ROLLBACK when destroyed unless commit() succeeded.
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  static Result<Transaction> begin(PgConnection& conn, std::string_view mode = "");  // "ISOLATION LEVEL REPEATABLE READ"
  Status commit();

 private:
  explicit Transaction(PgConnection* conn) : conn_(conn) {}
  PgConnection* conn_ = nullptr;
};

}  // namespace ledlab::db::lab
