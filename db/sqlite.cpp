#include "db/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/core.h>

#include <cctype>
#include <filesystem>
#include <utility>

namespace ledlab::db {

Error storage_error(sqlite3* db, std::string_view what) {
  if (db == nullptr) return make_error(Errc::storage, std::string(what));
  return make_error(Errc::storage, fmt::format("{}: {} (sqlite {})", what, sqlite3_errmsg(db),
                                               sqlite3_extended_errcode(db)));
}

// ---- Connection ----

Connection::Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Connection::~Connection() {
  if (db_) sqlite3_close_v2(db_);
}

namespace {

// "file:" URI of a path (SQLite docs, "URI filenames" section 3.1): absolute, with every
// byte outside the unreserved set and '/' percent-encoded, so '?', '#' and '%' stay literal.
std::string file_uri(const std::string& path, std::string_view query) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  const std::string p = ec ? path : absolute.string();
  std::string uri = "file://";
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') uri += static_cast<char>(c);
    else uri += fmt::format("%{:02X}", c);
  }
  return uri + "?" + std::string(query);
}

}  // namespace

Result<Connection> Connection::open(const std::string& path, Mode mode) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX;  // each connection is used by one thread at a time
  std::string name = path;
  switch (mode) {
    case Mode::read_write_create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case Mode::read_only: flags |= SQLITE_OPEN_READONLY; break;
    case Mode::immutable:
      flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
      name = file_uri(path, "immutable=1");
      break;
  }
  int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  Connection conn(raw);
  if (rc != SQLITE_OK) return fail(storage_error(raw, fmt::format("cannot open {}", path)));
  sqlite3_extended_result_codes(raw, 1);
  // Readers meet a brief lock only while a checkpoint or WAL recovery runs; wait it out.
  sqlite3_busy_timeout(raw, 5000);
  return conn;
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "unknown";
    sqlite3_free(message);
    return fail(Errc::storage, fmt::format("{} (in: {:.80})", why, text));
  }
  return {};
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK)
    return fail(storage_error(db_, fmt::format("prepare '{:.80}'", sql)));
  return Statement(stmt, db_);
}

Result<std::int64_t> Connection::query_int(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::storage, fmt::format("no row from '{}'", sql));
  return st->column_int(0);
}

Result<std::string> Connection::query_text(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::storage, fmt::format("no row from '{}'", sql));
  return st->column_text(0);
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Connection::changes() const { return sqlite3_changes(db_); }

bool Connection::in_transaction() const { return db_ && sqlite3_get_autocommit(db_) == 0; }
std::string Connection::last_message() const { return db_ ? sqlite3_errmsg(db_) : "no connection"; }
int Connection::last_error_code() const { return db_ ? sqlite3_extended_errcode(db_) : SQLITE_MISUSE; }

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  // A zero-length blob still needs a non-null pointer, or SQLite binds NULL.
  static constexpr std::uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(), SQLITE_STATIC);
  return *this;
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  auto err = storage_error(db_, fmt::format("step '{:.80}'", sqlite3_sql(stmt_)));
  sqlite3_reset(stmt_);
  return fail(std::move(err));
}

Status Statement::run() {
  auto r = step();
  reset();
  if (!r) return fail(r.error());
  return {};
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::rewind() { sqlite3_reset(stmt_); }

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::column_text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}
std::span<const std::uint8_t> Statement::column_blob(int col) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
  return p ? std::span<const std::uint8_t>(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::span<const std::uint8_t>();
}
std::optional<double> Statement::column_opt_double(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_double(col);
}
std::optional<std::int64_t> Statement::column_opt_int(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_int(col);
}

// ---- Transaction ----

Result<Transaction> Transaction::begin(Connection& conn) {
  if (auto s = conn.exec("BEGIN IMMEDIATE"); !s) return fail(s.error());
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_) {
    // Rollback failing means the connection already rolled back (e.g. after SQLITE_FULL).
    (void)conn_->exec("ROLLBACK");
  }
}

Status Transaction::commit() {
  if (!conn_) return fail(Errc::storage, "transaction already finished");
  auto s = conn_->exec("COMMIT");
  if (s) conn_ = nullptr;
  return s;
}

}  // namespace ledlab::db
