#include "db/lab/pg.hpp"

#include "db/lab/lab_url.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <limits>
#include <vector>

namespace ledlab::db::lab {

// ---- PgResult ----

void PgResult::Free::operator()(pg_result* r) const { PQclear(r); }

PgResult::PgResult(pg_result* res) : res_(res) {}

int PgResult::rows() const { return res_ ? PQntuples(res_.get()) : 0; }
int PgResult::columns() const { return res_ ? PQnfields(res_.get()) : 0; }

bool PgResult::is_null(int row, int col) const {
  return !res_ || row >= rows() || col >= columns() || PQgetisnull(res_.get(), row, col) != 0;
}

std::string_view PgResult::text(int row, int col) const {
  if (is_null(row, col)) return {};
  return {PQgetvalue(res_.get(), row, col), static_cast<std::size_t>(PQgetlength(res_.get(), row, col))};
}

std::optional<std::int64_t> PgResult::int64(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  const auto t = text(row, col);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return v;
}

// float8out writes "NaN", "Infinity" and "-Infinity" for the special values.
std::optional<double> PgResult::float8(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  const auto t = text(row, col);
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (t == "Infinity") return std::numeric_limits<double>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return v;
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

// byteaout in the default bytea_output = 'hex' (PostgreSQL docs, "Binary Data Types"):
// "\x" then two hex digits per byte.
std::string PgResult::bytea(int row, int col) const {
  const auto t = text(row, col);
  std::string out;
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return out;
  out.reserve((t.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < t.size(); i += 2) {
    const int hi = hex_digit(t[i]), lo = hex_digit(t[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::optional<int> PgResult::column(std::string_view name) const {
  if (!res_) return std::nullopt;
  const int n = PQfnumber(res_.get(), std::string(name).c_str());
  if (n < 0) return std::nullopt;
  return n;
}

std::string_view PgResult::command_tuples() const { return res_ ? PQcmdTuples(res_.get()) : ""; }
std::string_view PgResult::command_status() const { return res_ ? PQcmdStatus(res_.get()) : ""; }

// ---- PgConnection ----

void PgConnection::Finish::operator()(pg_conn* c) const { PQfinish(c); }

PgConnection::~PgConnection() = default;

namespace {

// libpq's messages end with a newline and may span lines; one line reads better in a log.
// libpq's messages run over several lines, continuations indented with a tab ("...failed:
// Connection refused\n\tIs the server running..."): one line, each run of white space one space.
std::string one_line(std::string_view m) {
  std::string s;
  s.reserve(m.size());
  bool space = false;
  for (char c : m) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !s.empty();
      continue;
    }
    if (space) s += ' ';
    space = false;
    s += c;
  }
  return s;
}

// With sslmode=prefer libpq tries TLS, then plain TCP, and reports both failures: when they
// are the same words, once is enough.
std::string once(std::string m) {
  const std::size_t half = m.size() / 2;
  if (m.size() % 2 == 1 && m[half] == ' ' && m.compare(0, half, m, half + 1) == 0) m.resize(half);
  return m;
}

// What PQconnectdb said, classified: a server that is not there (yet) is worth retrying; one
// that refuses us is not (libpq gives no SQLSTATE for most connection failures).
// Busy or starting servers ("too many connections", "the database system is starting up")
// count as not there: they will take us later.
bool refused_by_server(std::string_view m) {
  for (const char* word : {"authentication failed", "no password supplied", "does not exist", "pg_hba.conf",
                           "permission denied", "SSL was required", "does not support SSL", "certificate", "invalid"})
    if (m.find(word) != std::string_view::npos) return true;
  return false;
}

// Never echo the password, whatever libpq put into its message.
std::string scrub(std::string message, const std::string& password) {
  if (password.size() < 3) return message;
  for (auto pos = message.find(password); pos != std::string::npos; pos = message.find(password, pos))
    message.replace(pos, password.size(), "***");
  return message;
}

}  // namespace

Result<PgConnection> PgConnection::connect(const std::string& url, int connect_timeout_s) {
  // expand_dbname: `dbname` holds the whole URI or conninfo; keywords listed before it are
  // defaults the URL may override (libpq docs, "PQconnectdbParams").
  const std::string timeout = std::to_string(connect_timeout_s > 0 ? connect_timeout_s : 10);
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "ledlab", url.c_str(), nullptr};
  PgConnection c;
  c.conn_.reset(PQconnectdbParams(keys, values, 1));
  if (!c.conn_) return fail(Errc::storage, "lab database " + redact_url(url) + ": out of memory");
  if (PQstatus(c.conn_.get()) != CONNECTION_OK) {
    const std::string m = scrub(once(one_line(PQerrorMessage(c.conn_.get()))), url_password(url));
    return fail(refused_by_server(m) ? Errc::storage : Errc::unreachable, "lab database " + redact_url(url) + ": " + m);
  }
  // The server's NOTICEs ("relation ... already exists, skipping") are not errors; libpq's
  // default prints them to stderr, which is not a library's to write.
  PQsetNoticeProcessor(c.conn_.get(), [](void*, const char*) {}, nullptr);
  return c;
}

bool PgConnection::healthy() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }
bool PgConnection::tls() const { return conn_ && PQsslInUse(conn_.get()) != 0; }

std::string PgConnection::tls_version() const {
  if (!tls()) return {};
  const char* v = PQsslAttribute(conn_.get(), "protocol");
  return v ? v : "";
}

std::string PgConnection::server_version() const {
  if (!conn_) return {};
  // Distributions append their build: "15.18 (Debian 15.18-0+deb12u1)".
  const char* v = PQparameterStatus(conn_.get(), "server_version");
  std::string s = v ? v : "";
  return s.substr(0, s.find(' '));
}

std::string PgConnection::user() const {
  if (!conn_) return {};
  const char* u = PQuser(conn_.get());
  return u ? u : "";
}

std::string PgConnection::describe() const {
  if (!conn_) return "(not connected)";
  auto s = [](const char* p) { return std::string(p ? p : ""); };
  std::string host = s(PQhost(conn_.get()));
  if (host.empty()) host = "localhost";
  return fmt::format("{}@{}:{}/{}", s(PQuser(conn_.get())), host, s(PQport(conn_.get())), s(PQdb(conn_.get())));
}

Error PgConnection::error_of(pg_result* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  sqlstate_ = state ? state : "";
  std::string message;
  if (const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr)
    message = primary;
  else
    message = one_line(conn_ ? PQerrorMessage(conn_.get()) : "no connection");
  if (message.empty()) message = std::string(what) + " failed";
  // Name the table when PostgreSQL knows it and its message does not say (constraint errors).
  const char* schema = res ? PQresultErrorField(res, PG_DIAG_SCHEMA_NAME) : nullptr;
  const char* table = res ? PQresultErrorField(res, PG_DIAG_TABLE_NAME) : nullptr;
  if (table && message.find(table) == std::string::npos)
    message += fmt::format(" (table {}{}{})", schema ? schema : "", schema ? "." : "", table);
  const Errc code = healthy() ? Errc::storage : Errc::disconnected;
  std::string text = "lab database " + describe() + ": ";
  if (!sqlstate_.empty()) text += sqlstate_ + " ";
  return make_error(code, text + message);
}

Result<PgResult> PgConnection::checked(pg_result* raw, std::string_view what) {
  PgResult res(raw);
  if (!raw) return fail(error_of(nullptr, what));
  switch (PQresultStatus(raw)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      sqlstate_.clear();
      return res;
    default:
      return fail(error_of(raw, what));
  }
}

Status PgConnection::exec(std::string_view sql) {
  if (!conn_) return fail(Errc::disconnected, "lab database: not connected");
  auto r = checked(PQexec(conn_.get(), std::string(sql).c_str()), "statement");
  if (!r) return fail(r.error());
  // PQexec returns the last statement's result; an earlier failure ends the string there.
  return {};
}

Result<PgResult> PgConnection::query(std::string_view sql, std::initializer_list<std::optional<std::string>> params) {
  return query(sql, std::span<const std::optional<std::string>>(params.begin(), params.size()));
}

Result<PgResult> PgConnection::query(std::string_view sql, std::span<const std::optional<std::string>> params) {
  if (!conn_) return fail(Errc::disconnected, "lab database: not connected");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return checked(PQexecParams(conn_.get(), std::string(sql).c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0),
                 "query");
}

namespace {
// PostgreSQL docs, "COPY", "Binary Format": the 11-byte signature, a 32-bit flags field (no
// OIDs) and a 32-bit header extension length (none); the trailer is a 16-bit -1.
constexpr char kCopyHeader[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\xff', '\r', '\n', '\0', 0, 0, 0, 0, 0, 0, 0, 0};
constexpr char kCopyTrailer[2] = {'\xff', '\xff'};
}  // namespace

Result<std::int64_t> PgConnection::copy_in(std::string_view copy_sql,
                                           const std::function<Status(CopyWriter&)>& produce) {
  if (!conn_) return fail(Errc::disconnected, "lab database: not connected");
  pg_conn* conn = conn_.get();
  pg_result* raw = PQexec(conn, std::string(copy_sql).c_str());
  if (PQresultStatus(raw) != PGRES_COPY_IN) {
    auto r = checked(raw, "COPY");
    if (!r) return fail(r.error());
    return fail(Errc::invalid_argument, "lab database: not a COPY ... FROM STDIN: " + std::string(copy_sql));
  }
  PQclear(raw);
  CopyWriter w([&](std::string_view bytes) -> Status {
    if (PQputCopyData(conn, bytes.data(), static_cast<int>(bytes.size())) != 1) return fail(error_of(nullptr, "COPY"));
    return {};
  });
  w.raw(std::string_view(kCopyHeader, sizeof kCopyHeader));
  Status produced = produce(w);
  if (produced && !w.ok()) produced = w.status();
  if (produced) {
    w.raw(std::string_view(kCopyTrailer, sizeof kCopyTrailer));
    produced = w.finish();
  }
  // A producer's failure aborts the COPY: the server then discards every row of it.
  const std::string abort_reason = produced ? std::string() : "ledlab: " + produced.error().message;
  if (PQputCopyEnd(conn, produced ? nullptr : abort_reason.c_str()) != 1)
    return fail(error_of(nullptr, "COPY"));
  std::optional<Error> failure;
  std::int64_t rows = 0;
  while (pg_result* r = PQgetResult(conn)) {
    PgResult owned(r);
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
      const auto tuples = owned.command_tuples();
      std::from_chars(tuples.data(), tuples.data() + tuples.size(), rows);
    } else if (!failure) {
      failure = error_of(r, "COPY");
    }
  }
  if (!produced) return fail(produced.error());
  if (failure) return fail(*failure);
  sqlstate_.clear();
  return rows;
}

Result<std::int64_t> PgConnection::copy_into(std::string_view table, std::string_view columns,
                                             const std::function<Status(CopyWriter&)>& produce) {
  const std::string t(table), cols(columns);
  auto rls = query("SELECT row_security_active($1::regclass)", {t});
  if (!rls) return fail(rls.error());
  if (rls->text(0, 0) != "t")
    return copy_in(fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", t, cols), produce);
  // One staging table per target and session: "ledlab.chunks" -> pg_temp.ledlab_stage_chunks.
  const std::string stage_name = "ledlab_stage_" + t.substr(t.find('.') + 1);
  const std::string stage = "pg_temp." + stage_name;
  // Emptied before use: rows of an earlier failed call outside a transaction may be there.
  if (auto s = exec(fmt::format("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS); TRUNCATE {}",
                                stage_name, t, stage));
      !s)
    return fail(s.error());
  auto staged = copy_in(fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", stage, cols), produce);
  if (!staged) return staged;
  auto moved = query(fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM {2}", t, cols, stage));
  if (!moved) return fail(moved.error());
  if (auto s = exec("TRUNCATE " + stage); !s) return fail(s.error());
  std::int64_t rows = 0;
  const auto tuples = moved->command_tuples();
  std::from_chars(tuples.data(), tuples.data() + tuples.size(), rows);
  return rows;
}

// ---- Transaction ----

Transaction::~Transaction() {
  if (conn_ && conn_->healthy()) (void)conn_->exec("ROLLBACK");
}

Result<Transaction> Transaction::begin(PgConnection& conn, std::string_view mode) {
  std::string sql = "BEGIN";
  if (!mode.empty()) sql += " " + std::string(mode);
  if (auto s = conn.exec(sql); !s) return fail(s.error());
  return Transaction(&conn);
}

Status Transaction::commit() {
  if (!conn_) return fail(Errc::storage, "lab database: transaction already ended");
  PgConnection* c = std::exchange(conn_, nullptr);
  auto r = c->query("COMMIT");
  if (!r) return fail(r.error());
  // COMMIT of a transaction that an error aborted succeeds as "ROLLBACK" (PostgreSQL docs,
  // "COMMIT": it rolls back); the caller must not believe its rows were stored.
  if (r->command_status() != "COMMIT")
    return fail(Errc::storage, "lab database " + c->describe() + ": the transaction was rolled back by an earlier error");
  return {};
}

}  // namespace ledlab::db::lab
