#include "db/lab/lab_admin.hpp"

#include "db/lab/lab_schema.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <optional>
#include <regex>

namespace ledlab::db::lab {

Status check_station_name(std::string_view station) {
  static const std::regex ok("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  if (!std::regex_match(station.begin(), station.end(), ok))
    return fail(Errc::invalid_argument,
                fmt::format("station name '{}': 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or digit",
                            station));
  return {};
}

Status check_role_name(std::string_view role) {
  static const std::regex ok("[a-z_][a-z0-9_]{0,62}");
  if (!std::regex_match(role.begin(), role.end(), ok))
    return fail(Errc::invalid_argument,
                fmt::format("role name '{}': 1 to 63 lower-case letters, digits or '_', not starting with a digit", role));
  if (role.starts_with("pg_")) return fail(Errc::invalid_argument, fmt::format("role name '{}': pg_ is PostgreSQL's", role));
  if (role == "ledlab_station" || role == "ledlab_reader")
    return fail(Errc::invalid_argument, fmt::format("role name '{}' is one of ledlab's group roles", role));
  return {};
}

std::string default_station_role(std::string_view station) {
  std::string role = "ledlab_station_";
  for (const char c : station) {
    if (c == '.' || c == '-') role.push_back('_');
    else role.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return role;
}

namespace {

struct PqFree {
  void operator()(char* p) const { PQfreemem(p); }
};
using PqString = std::unique_ptr<char, PqFree>;

Status check_password(std::string_view password) {
  if (password.empty()) return fail(Errc::invalid_argument, "the password is empty");
  for (const char c : password)
    if (static_cast<unsigned char>(c) < 0x20)
      return fail(Errc::invalid_argument, "the password contains a control character (a line break?)");
  return {};
}

// CREATE ROLE or ALTER ROLE with a SCRAM verifier, and membership of `group`.
Status login_role(PgConnection& admin, std::string_view role, std::string_view password, std::string_view group) {
  const std::string r(role), pw(password);
  PqString verifier(PQencryptPasswordConn(admin.handle(), pw.c_str(), r.c_str(), "scram-sha-256"));
  if (!verifier)
    return fail(Errc::storage, fmt::format("lab database {}: cannot compute the password's SCRAM verifier: {}",
                                           admin.describe(), PQerrorMessage(admin.handle())));
  PqString literal(PQescapeLiteral(admin.handle(), verifier.get(), std::strlen(verifier.get())));
  PqString ident(PQescapeIdentifier(admin.handle(), r.c_str(), r.size()));
  if (!literal || !ident) return fail(Errc::storage, "lab database: cannot quote the role or its password");
  auto existing = admin.query("SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = $1", {r});
  if (!existing) return fail(existing.error());
  std::string sql;
  if (existing->rows() == 0) {
    sql = fmt::format("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}", ident.get(), literal.get(), group);
  } else {
    if (existing->text(0, 0) == "t")
      return fail(Errc::invalid_argument,
                  fmt::format("role {} may bypass row-level security (superuser, CREATEROLE or BYPASSRLS): not for ledlab",
                              r));
    sql = fmt::format("ALTER ROLE {0} LOGIN PASSWORD {1}; GRANT {2} TO {0}", ident.get(), literal.get(), group);
  }
  return admin.exec(sql);
}

std::optional<std::string> single(const PgResult& r) {
  if (r.rows() == 0) return std::nullopt;
  return std::string(r.text(0, 0));
}

// Direct membership (pg_has_role would fail, and abort the transaction, for a role that does
// not exist yet).
Result<bool> is_member(PgConnection& admin, const std::string& role, const std::string& group) {
  auto r = admin.query(
      "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
      "JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = $1 AND g.rolname = $2)",
      {role, group});
  if (!r) return fail(r.error());
  return r->text(0, 0) == "t";
}

}  // namespace

Status add_station(PgConnection& admin, std::string_view station, std::string_view role, std::string_view password) {
  if (auto s = check_station_name(station); !s) return s;
  if (auto s = check_role_name(role); !s) return s;
  if (auto s = check_password(password); !s) return s;
  if (auto s = require_lab_schema(admin); !s) return s;
  auto tx = Transaction::begin(admin);
  if (!tx) return fail(tx.error());
  const std::string st(station), r(role);
  auto owner = admin.query("SELECT role FROM ledlab.stations WHERE station = $1", {st});
  if (!owner) return fail(owner.error());
  if (auto o = single(*owner); o && *o != r)
    return fail(Errc::invalid_argument, fmt::format("station {} already writes as role {}, not {}", st, *o, r));
  auto other = admin.query("SELECT station FROM ledlab.stations WHERE role = $1 AND station <> $2", {r, st});
  if (!other) return fail(other.error());
  if (auto o = single(*other)) return fail(Errc::invalid_argument, fmt::format("role {} already writes as station {}", r, *o));
  auto reader = is_member(admin, r, "ledlab_reader");
  if (!reader) return fail(reader.error());
  if (*reader)
    return fail(Errc::invalid_argument, fmt::format("role {} is a reader: a station needs a role of its own", r));
  if (auto s = login_role(admin, r, password, "ledlab_station"); !s) return s;
  if (auto q = admin.query("INSERT INTO ledlab.stations(station, role) VALUES ($1, $2) ON CONFLICT (station) DO NOTHING",
                           {st, r});
      !q)
    return fail(q.error());
  return tx->commit();
}

Status add_reader(PgConnection& admin, std::string_view role, std::string_view password) {
  if (auto s = check_role_name(role); !s) return s;
  if (auto s = check_password(password); !s) return s;
  if (auto s = require_lab_schema(admin); !s) return s;
  auto tx = Transaction::begin(admin);
  if (!tx) return fail(tx.error());
  const std::string r(role);
  auto station = admin.query("SELECT station FROM ledlab.stations WHERE role = $1", {r});
  if (!station) return fail(station.error());
  if (auto o = single(*station))
    return fail(Errc::invalid_argument, fmt::format("role {} writes as station {}: a reader needs a role of its own", r, *o));
  auto writer = is_member(admin, r, "ledlab_station");
  if (!writer) return fail(writer.error());
  if (*writer)
    return fail(Errc::invalid_argument, fmt::format("role {} is a station's: a reader needs a role of its own", r));
  if (auto s = login_role(admin, r, password, "ledlab_reader"); !s) return s;
  return tx->commit();
}

}  // namespace ledlab::db::lab
