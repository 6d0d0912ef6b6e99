// ledlab lab init | add-station | add-reader | test-server: setting up the lab database
// (db/LAB_SCHEMA.md). Passwords come from a file or stdin, never from the command line,
// where every user of the machine could read them (ps).
#include "cli/commands.hpp"
#include "db/lab/lab_admin.hpp"
#include "db/lab/lab_schema.hpp"
#include "db/lab/lab_server.hpp"
#include "db/lab/lab_url.hpp"
#include "db/lab/pg.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace ledlab::cli {

namespace lab = db::lab;

namespace {

[[noreturn]] void exit_with(int code, const std::string& message) {
  std::cerr << "ledlab lab: " << message << "\n";
  throw Exit{code};
}

// The admin connection: a checked URL, connected, its errors naming it without its password.
lab::PgConnection connect_admin(const std::string& url) {
  if (auto s = lab::check_lab_url(url); !s) exit_with(2, s.error().message);
  if (lab::url_has_password(url))
    std::cerr << "ledlab lab: warning: the --admin URL holds a password, which other users can see in the process "
                 "list; prefer ~/.pgpass or passfile= in the URL\n";
  auto c = lab::PgConnection::connect(url);
  if (!c) exit_with(1, c.error().message);
  return std::move(*c);
}

// The new role's password: the first line of `path`, or of stdin for "-".
std::string read_password(const std::string& path) {
  std::string text;
  if (path == "-") {
    std::getline(std::cin, text);
  } else {
    std::ifstream f(path, std::ios::binary);
    if (!f) exit_with(2, fmt::format("--password-file {}: cannot read it", path));
    std::getline(f, text);
  }
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) exit_with(2, fmt::format("--password-file {}: the first line is empty", path));
  return text;
}

std::string tls_words(const lab::PgConnection& c) {
  return c.tls() ? "TLS " + c.tls_version() : std::string("no TLS");
}

struct AdminOptions {
  std::string admin;
  std::string name;
  std::string role;
  std::string password_file;
  std::string dir;
  int port = 0;
  bool stop = false;
};

}  // namespace

void register_lab_admin_commands(CLI::App& lab_app) {
  {
    auto o = std::make_shared<AdminOptions>();
    auto* cmd = lab_app.add_subcommand("init", "Create or migrate the ledlab schema and its group roles");
    cmd->add_option("--admin", o->admin, "the lab database as its owner (postgresql://owner@host/db)")->required();
    cmd->callback([o] {
      auto admin = connect_admin(o->admin);
      const auto before = lab::lab_schema_version(admin);
      if (!before) exit_with(1, before.error().message);
      if (auto s = lab::migrate_lab(admin); !s) exit_with(1, s.error().message);
      std::cout << fmt::format("lab database {} ({}, PostgreSQL {}): schema {}{}\n", admin.describe(), tls_words(admin),
                               admin.server_version(), lab::kLabSchemaVersion,
                               *before == lab::kLabSchemaVersion ? " (already current)"
                               : *before == 0                    ? " (created)"
                                                                 : fmt::format(" (migrated from {})", *before));
    });
  }
  {
    auto o = std::make_shared<AdminOptions>();
    auto* cmd = lab_app.add_subcommand("add-station", "Create a station's login role: it writes only its own rows");
    cmd->add_option("name", o->name, "the station's name, as its station file says")->required();
    cmd->add_option("--admin", o->admin, "the lab database as its owner")->required();
    cmd->add_option("--role", o->role, "the login role (default ledlab_station_<name>)");
    cmd->add_option("--password-file", o->password_file, "the role's password: a file's first line, - for stdin")
        ->required();
    cmd->callback([o] {
      const std::string role = o->role.empty() ? lab::default_station_role(o->name) : o->role;
      if (auto s = lab::check_station_name(o->name); !s) exit_with(2, s.error().message);
      if (auto s = lab::check_role_name(role); !s)
        exit_with(2, s.error().message + (o->role.empty() ? " (choose one with --role)" : ""));
      const std::string password = read_password(o->password_file);
      auto admin = connect_admin(o->admin);
      if (auto s = lab::add_station(admin, o->name, role, password); !s)
        exit_with(s.error().code == Errc::invalid_argument ? 2 : 1, s.error().message);
      std::cout << fmt::format("station {} writes to {} as role {}\n", o->name, admin.describe(), role);
    });
  }
  {
    auto o = std::make_shared<AdminOptions>();
    auto* cmd = lab_app.add_subcommand("add-reader", "Create a read-only login role: it reads every station's runs");
    cmd->add_option("role", o->role, "the login role")->required();
    cmd->add_option("--admin", o->admin, "the lab database as its owner")->required();
    cmd->add_option("--password-file", o->password_file, "the role's password: a file's first line, - for stdin")
        ->required();
    cmd->callback([o] {
      if (auto s = lab::check_role_name(o->role); !s) exit_with(2, s.error().message);
      const std::string password = read_password(o->password_file);
      auto admin = connect_admin(o->admin);
      if (auto s = lab::add_reader(admin, o->role, password); !s)
        exit_with(s.error().code == Errc::invalid_argument ? 2 : 1, s.error().message);
      std::cout << fmt::format("role {} reads {}\n", o->role, admin.describe());
    });
  }
  {
    auto o = std::make_shared<AdminOptions>();
    auto* cmd = lab_app.add_subcommand(
        "test-server", "Start a private PostgreSQL server in DIR to try the lab database (TLS, SCRAM, loopback only)");
    cmd->add_option("dir", o->dir, "its directory: created, or an earlier test server's to start again")->required();
    cmd->add_option("--port", o->port, "TCP port on 127.0.0.1 (default: a free one, then the same)")
        ->check(CLI::Range(1, 65535));
    cmd->add_flag("--stop", o->stop, "stop the test server in DIR");
    cmd->callback([o] {
      if (o->stop) {
        if (auto s = lab::stop_test_server(o->dir); !s) exit_with(1, s.error().message);
        std::cout << fmt::format("test server in {} stopped\n", o->dir);
        return;
      }
      auto server = lab::start_test_server(o->dir, o->port);
      if (!server) exit_with(server.error().code == Errc::invalid_argument ? 2 : 1, server.error().message);
      std::cout << fmt::format(
          "{} test server in {}: PostgreSQL on 127.0.0.1:{}, TLS, SCRAM-SHA-256\n"
          "admin URL (its password is in {}/admin.pgpass):\n  {}\n"
          "next:     ledlab lab init --admin '{}'\n"
          "stop it:  ledlab lab test-server {} --stop\n",
          server->created ? "new" : "started", server->dir.string(), server->port, server->dir.string(),
          server->admin_url, server->admin_url, server->dir.string());
    });
  }
}

}  // namespace ledlab::cli
