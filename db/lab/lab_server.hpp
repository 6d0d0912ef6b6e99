#pragma once
// A private PostgreSQL cluster in a directory: for `ledlab lab test-server` and the test
// harness (tests/support/pg_cluster.hpp). PostgreSQL refuses to run as root (PostgreSQL docs,
// "The PostgreSQL User Account"), so when we are root its programs run as the `postgres`
// account that Debian's postgresql package creates.
#include "core/error.hpp"

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::db::lab {

struct ServerAccount {
  bool switch_user = false;  // we are root: become uid/gid in the child
  uid_t uid = 0;
  gid_t gid = 0;
};
// Ourselves, or the `postgres` account when we are root (Errc::config when it does not exist).
Result<ServerAccount> server_account();
// Where initdb, postgres and pg_ctl are: $LEDLAB_PG_BIN, else /usr/lib/postgresql/<newest>/bin.
Result<std::filesystem::path> pg_bin_dir();

// Starts argv[0] (an absolute path) as `account` with stdout and stderr appended to `log`
// and stdin from `stdin_path` (/dev/null when empty), in directory "/". tie_to_parent: the
// child gets SIGQUIT (PostgreSQL's immediate shutdown) when the calling thread ends, so a
// killed test leaves no server behind (prctl(2), PR_SET_PDEATHSIG; set after the user
// switch, which clears it).
Result<pid_t> spawn_as(const ServerAccount& account, const std::vector<std::string>& argv,
                       const std::filesystem::path& log, bool tie_to_parent,
                       const std::filesystem::path& stdin_path = {});
// spawn_as without the tie, then waits: the exit status (a signal counts as 128 + signo).
Result<int> run_as(const ServerAccount& account, const std::vector<std::string>& argv,
                   const std::filesystem::path& log, const std::filesystem::path& stdin_path = {});
// Gives `path` and everything under it to the account (nothing to do unless we are root).
Status give_to(const ServerAccount& account, const std::filesystem::path& path);

// initdb into `data` (which must not exist; its parent must be the account's): superuser
// "postgres" with `password`, SCRAM-SHA-256 for every connection (pg_hba.conf), UTF-8 and the
// C locale, a self-signed certificate for TLS (server.crt/server.key, mode 0600, the
// account's: PostgreSQL docs, "Secure TCP/IP Connections with SSL") and a database "ledlab".
// The transcript of every step is appended to `log`.
Status init_cluster(const ServerAccount& account, const std::filesystem::path& data, std::string_view password,
                    const std::filesystem::path& log);

// postgres's arguments for `data`: TCP on 127.0.0.1:`port` only, its Unix socket in
// `socket_dir` (never /var/run/postgresql), TLS on or off.
std::vector<std::string> server_options(int port, const std::filesystem::path& socket_dir, bool tls);

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick); 0 on failure.
int free_loopback_port();
// The last `max_bytes` of a log file, for error messages.
std::string log_tail(const std::filesystem::path& log, std::size_t max_bytes = 2000);

}  // namespace ledlab::db::lab

namespace ledlab::db::lab {

// `ledlab lab test-server DIR`: a PostgreSQL cluster in DIR/data for trying the lab database
// out, left running in the background (pg_ctl). The superuser's password is random and only
// in DIR/admin.pgpass (mode 0600), which the admin URL names with passfile=.
struct TestServer {
  std::filesystem::path dir;
  int port = 0;
  std::string admin_url;  // no password in it
  bool created = false;   // false: an existing cluster in DIR was started again
};
// Creates DIR's cluster on first use, else starts it again; port 0: a free one (first use) or
// the one it had.
Result<TestServer> start_test_server(const std::filesystem::path& dir, int port);
Status stop_test_server(const std::filesystem::path& dir);

}  // namespace ledlab::db::lab
