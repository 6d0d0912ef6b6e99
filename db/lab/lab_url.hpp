#pragma once
// Lab database URLs: libpq's URI (postgresql://user:password@host:port/db?key=value) and
// key=value conninfo forms (libpq docs, "Connection Strings"). A password may be in either;
// nothing that prints a URL prints it.
#include "core/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ledlab::db::lab {

// The URL with its password replaced by *** (userinfo, ?password=, password=): the only form
// of a URL that may appear in a message or a log.
std::string redact_url(std::string_view url);
bool url_has_password(std::string_view url);
// The password a URL carries, percent-decoded ("" when none): to scrub it from messages.
std::string url_password(std::string_view url);
// A postgresql:// or postgres:// URI or a conninfo string that libpq accepts; Errc::config
// naming what is wrong otherwise.
Status check_lab_url(std::string_view url);
// The lab database to use: the command line's --lab, else the station file's [lab] url, else
// $LEDLAB_LAB_DB; nullopt when none names one.
std::optional<std::string> lab_url_from(std::optional<std::string> cli, std::optional<std::string> station);

}  // namespace ledlab::db::lab
