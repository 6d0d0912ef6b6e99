#include "db/lab/lab_server.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace ledlab::db::lab {

Result<ServerAccount> server_account() {
  if (geteuid() != 0) return ServerAccount{};
  const passwd* pw = getpwnam("postgres");
  if (!pw)
    return fail(Errc::config,
                "PostgreSQL does not run as root and there is no `postgres` account: install postgresql-15 "
                "(third_party/install-deps.sh) or run as an ordinary user");
  return ServerAccount{true, pw->pw_uid, pw->pw_gid};
}

Result<fs::path> pg_bin_dir() {
  if (const char* env = std::getenv("LEDLAB_PG_BIN"); env && *env) return fs::path(env);
  std::error_code ec;
  fs::path best;
  int best_major = 0;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const int major = std::atoi(e.path().filename().c_str());
    if (major > best_major && fs::exists(e.path() / "bin" / "postgres", ec)) {
      best_major = major;
      best = e.path() / "bin";
    }
  }
  if (best.empty())
    return fail(Errc::config,
                "no PostgreSQL server under /usr/lib/postgresql/*/bin: install postgresql-15 (third_party/install-deps.sh) "
                "or set LEDLAB_PG_BIN");
  return best;
}

Result<pid_t> spawn_as(const ServerAccount& account, const std::vector<std::string>& argv, const fs::path& log,
                       bool tie_to_parent, const fs::path& stdin_path) {
  if (argv.empty()) return fail(Errc::invalid_argument, "spawn_as: no program");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out < 0) return fail(Errc::io, fmt::format("{}: {}", log.string(), std::strerror(errno)));
  const std::string in_path = stdin_path.empty() ? std::string("/dev/null") : stdin_path.string();
  const int in = ::open(in_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    const int err = errno;
    ::close(out);
    return fail(Errc::io, fmt::format("{}: {}", in_path, std::strerror(err)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec (the parent may have threads).
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
    if (account.switch_user) {
      if (setgroups(1, &account.gid) != 0 || setgid(account.gid) != 0 || setuid(account.uid) != 0) _exit(126);
    }
    if (tie_to_parent) {
      if (prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0) _exit(126);
      if (getppid() != parent) _exit(126);  // the parent died before the tie was made
    }
    if (chdir("/") != 0) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  const int err = errno;
  ::close(in);
  ::close(out);
  if (pid < 0) return fail(Errc::io, fmt::format("fork for {}: {}", argv[0], std::strerror(err)));
  return pid;
}

Result<int> run_as(const ServerAccount& account, const std::vector<std::string>& argv, const fs::path& log,
                   const fs::path& stdin_path) {
  auto pid = spawn_as(account, argv, log, false, stdin_path);
  if (!pid) return fail(pid.error());
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0) {
    if (errno != EINTR) return fail(Errc::io, fmt::format("waiting for {}: {}", argv[0], std::strerror(errno)));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

Status give_to(const ServerAccount& account, const fs::path& path) {
  if (!account.switch_user) return {};
  auto own = [&](const fs::path& p) -> Status {
    if (::lchown(p.c_str(), account.uid, account.gid) != 0)
      return fail(Errc::io, fmt::format("chown {}: {}", p.string(), std::strerror(errno)));
    return {};
  };
  if (auto s = own(path); !s) return s;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(path, ec))) return {};
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (auto s = own(it->path()); !s) return s;
  if (ec) return fail(Errc::io, fmt::format("{}: {}", path.string(), ec.message()));
  return {};
}

namespace {

Status step(const ServerAccount& account, const std::vector<std::string>& argv, const fs::path& log,
            const fs::path& stdin_path = {}) {
  auto rc = run_as(account, argv, log, stdin_path);
  if (!rc) return fail(rc.error());
  if (*rc != 0)
    return fail(Errc::io, fmt::format("{} exited with status {}; {}:\n{}", fs::path(argv[0]).filename().string(), *rc,
                                      log.string(), log_tail(log)));
  return {};
}

Status write_file(const fs::path& path, std::string_view text, bool append = false) {
  std::ofstream f(path, append ? std::ios::app : std::ios::trunc);
  f << text;
  f.close();
  if (!f) return fail(Errc::io, "cannot write " + path.string());
  return {};
}

}  // namespace

Status init_cluster(const ServerAccount& account, const fs::path& data, std::string_view password, const fs::path& log) {
  auto bin = pg_bin_dir();
  if (!bin) return fail(bin.error());
  const fs::path parent = data.parent_path();
  // initdb reads the superuser's password from a file: never on a command line (ps shows it).
  const fs::path pwfile = parent / "initdb.pw";
  {
    const int fd = ::open(pwfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail(Errc::io, fmt::format("{}: {}", pwfile.string(), std::strerror(errno)));
    const std::string line = std::string(password) + "\n";
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok) return fail(Errc::io, "cannot write " + pwfile.string());
  }
  if (auto s = give_to(account, pwfile); !s) return s;
  auto status = step(account,
                     {(*bin / "initdb").string(), "-D", data.string(), "-U", "postgres", "--auth=scram-sha-256",
                      "--pwfile=" + pwfile.string(), "-E", "UTF8", "--locale=C", "--no-sync",
                      // 1 MiB WAL segments instead of 16: a test cluster is copied from its
                      // template, and the first segment is most of what there is to copy.
                      "--wal-segsize=1"},
                     log);
  std::error_code ec;
  fs::remove(pwfile, ec);
  if (!status) return status;
  // A self-signed certificate: TLS for anyone who connects with libpq's default
  // sslmode=prefer. An EC key: generated in milliseconds.
  if (auto s = step(account,
                    {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                     "-nodes", "-keyout", (data / "server.key").string(), "-out", (data / "server.crt").string(),
                     "-days", "3650", "-subj", "/CN=localhost"},
                    log);
      !s)
    return s;
  fs::permissions(data / "server.key", fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec) return fail(Errc::io, "chmod server.key: " + ec.message());
  if (auto s = write_file(data / "postgresql.conf",
                          "\n# ledlab: loopback only, TLS with the certificate beside this file\n"
                          "listen_addresses = '127.0.0.1'\n"
                          "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
                          "password_encryption = 'scram-sha-256'\n",
                          true);
      !s)
    return s;
  // The database "ledlab", made in single-user mode: no server, no port, no password.
  const fs::path sql = parent / "create-db.sql";
  if (auto s = write_file(sql, "CREATE DATABASE ledlab;\n"); !s) return s;
  if (auto s = give_to(account, sql); !s) return s;
  status = step(account, {(*bin / "postgres").string(), "--single", "-D", data.string(), "-F", "postgres"}, log, sql);
  fs::remove(sql, ec);
  return status;
}

std::vector<std::string> server_options(int port, const fs::path& socket_dir, bool tls) {
  return {"-p", std::to_string(port), "-c", "listen_addresses=127.0.0.1", "-c",
          "unix_socket_directories=" + socket_dir.string(), "-c", tls ? "ssl=on" : "ssl=off"};
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string log_tail(const fs::path& log, std::size_t max_bytes) {
  std::ifstream f(log, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace ledlab::db::lab

namespace ledlab::db::lab {

namespace {

std::string random_password() {
  static constexpr std::string_view alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string pw;
  for (int i = 0; i < 24; ++i) {
    unsigned char c = 0;
    urandom.read(reinterpret_cast<char*>(&c), 1);
    pw.push_back(alphabet[c % alphabet.size()]);
  }
  return pw;
}

std::string uri_encode_path(std::string_view path) {
  std::string out;
  for (const unsigned char c : path) {
    if (std::isalnum(c) || std::string_view("/._-~").find(static_cast<char>(c)) != std::string_view::npos)
      out.push_back(static_cast<char>(c));
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

Result<TestServer> start_test_server(const fs::path& dir_in, int port) {
  auto account = server_account();
  if (!account) return fail(account.error());
  auto bin = pg_bin_dir();
  if (!bin) return fail(bin.error());
  std::error_code ec;
  fs::create_directories(dir_in, ec);
  if (ec) return fail(Errc::io, fmt::format("{}: {}", dir_in.string(), ec.message()));
  const fs::path dir = fs::canonical(dir_in, ec);
  if (ec) return fail(Errc::io, fmt::format("{}: {}", dir_in.string(), ec.message()));
  if (dir.string().find('\'') != std::string::npos)
    return fail(Errc::invalid_argument, fmt::format("{}: a directory without ' in its path, please", dir.string()));
  const fs::path data = dir / "data", log = dir / "server.log", port_file = dir / "port";
  TestServer server{dir, port, {}, false};
  if (!fs::exists(data / "PG_VERSION", ec)) {
    if (!fs::is_empty(dir, ec))
      return fail(Errc::invalid_argument,
                  fmt::format("{} is neither empty nor a ledlab test server: use an empty directory", dir.string()));
    if (auto s = give_to(account.value(), dir); !s) return fail(s.error());
    auto reach = run_as(*account, {"/usr/bin/test", "-w", dir.string()}, "/dev/null");
    if (!reach || *reach != 0)
      return fail(Errc::invalid_argument,
                  fmt::format("{}: the postgres account cannot reach it (a private parent directory?): "
                              "use a directory such as /tmp/ledlab-lab or /srv/ledlab-lab",
                              dir.string()));
    const std::string password = random_password();
    const fs::path pgpass = dir / "admin.pgpass";
    {
      const int fd = ::open(pgpass.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) return fail(Errc::io, fmt::format("{}: {}", pgpass.string(), std::strerror(errno)));
      // libpq docs, "The Password File": hostname:port:database:username:password.
      const std::string line = "127.0.0.1:*:*:postgres:" + password + "\n";
      const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
      ::close(fd);
      if (!ok) return fail(Errc::io, "cannot write " + pgpass.string());
    }
    if (auto s = init_cluster(*account, data, password, log); !s) return fail(s.error());
    server.created = true;
  }
  if (server.port == 0) {
    std::ifstream f(port_file);
    f >> server.port;
  }
  if (server.port == 0) server.port = free_loopback_port();
  if (server.port <= 0 || server.port > 65535) return fail(Errc::invalid_argument, "no usable TCP port");
  {
    std::ofstream f(port_file);
    f << server.port << "\n";
  }
  // pg_ctl's postgres appends to the log as the account; our earlier steps created it.
  if (fs::exists(log, ec))
    if (auto s = give_to(*account, log); !s) return fail(s.error());
  std::string options;
  for (const auto& o : server_options(server.port, dir, true)) options += "'" + o + "' ";
  auto rc = run_as(*account,
                   {(*bin / "pg_ctl").string(), "-D", data.string(), "-l", log.string(), "-w", "-t", "60", "-o",
                    options, "start"},
                   dir / "pg_ctl.log");
  if (!rc) return fail(rc.error());
  if (*rc != 0)
    return fail(Errc::io, fmt::format("pg_ctl start failed; {}:\n{}", log.string(), log_tail(log)));
  server.admin_url = fmt::format("postgresql://postgres@127.0.0.1:{}/ledlab?passfile={}", server.port,
                                 uri_encode_path((dir / "admin.pgpass").string()));
  return server;
}

Status stop_test_server(const fs::path& dir) {
  auto account = server_account();
  if (!account) return fail(account.error());
  auto bin = pg_bin_dir();
  if (!bin) return fail(bin.error());
  const fs::path data = dir / "data";
  std::error_code ec;
  if (!fs::exists(data / "PG_VERSION", ec))
    return fail(Errc::not_found, fmt::format("{} holds no ledlab test server", dir.string()));
  auto rc = run_as(*account, {(*bin / "pg_ctl").string(), "-D", data.string(), "-m", "fast", "-w", "stop"},
                   dir / "pg_ctl.log");
  if (!rc) return fail(rc.error());
  if (*rc != 0) return fail(Errc::io, fmt::format("pg_ctl stop failed:\n{}", log_tail(dir / "pg_ctl.log")));
  return {};
}

}  // namespace ledlab::db::lab
