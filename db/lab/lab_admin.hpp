#pragma once
// Setting up a lab database's login roles (db/LAB_SCHEMA.md "Roles"): one per station, a
// member of ledlab_station, whose rows row-level security ties to its station's name; and
// read-only ones, members of ledlab_reader. Run by the schema's owner (`ledlab lab init`).
#include "db/lab/pg.hpp"

#include <string>
#include <string_view>

namespace ledlab::db::lab {

// A station name as ledlab.stations accepts it: [A-Za-z0-9][A-Za-z0-9_.-]{0,62}.
Status check_station_name(std::string_view station);
// A role name we create: [a-z_][a-z0-9_]{0,62} (no quoting needed anywhere, and
// PostgreSQL's 63-byte NAMEDATALEN limit).
Status check_role_name(std::string_view role);
// ledlab_station_<name>, lower-cased, '.' and '-' as '_'.
std::string default_station_role(std::string_view station);

// Creates login role `role` (or sets the password of one that exists), a member of
// ledlab_station, and registers it as `station`'s in ledlab.stations. The password goes to the
// server only as a SCRAM-SHA-256 verifier computed here (libpq's PQencryptPasswordConn), so
// it is in no statement text and no server log. Refuses a station that belongs to another
// role, a role that is another station's, and a superuser.
Status add_station(PgConnection& admin, std::string_view station, std::string_view role, std::string_view password);
// Creates login role `role` (or sets its password), a member of ledlab_reader only.
Status add_reader(PgConnection& admin, std::string_view role, std::string_view password);

}  // namespace ledlab::db::lab
