#include "support/pg_cluster.hpp"

#include "db/lab/lab_schema.hpp"
#include "db/lab/lab_server.hpp"
#include "db/lab/pg.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <chrono>
#include <csignal>
#include <fstream>
#include <utility>
#include <sstream>
#include <vector>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;
namespace lab = ledlab::db::lab;

namespace ledlab::test {

namespace {

using Clock = std::chrono::steady_clock;
// Safety nets only: every wait below ends as soon as its condition holds.
constexpr auto kStartDeadline = std::chrono::seconds(60);
constexpr auto kStopDeadline = std::chrono::seconds(60);
constexpr auto kPoll = std::chrono::milliseconds(10);

[[noreturn]] void die(const std::string& message) { throw std::runtime_error("PgCluster: " + message); }

template <class T>
T must(Result<T> r) {
  if (!r) die(r.error().describe());
  return std::move(*r);
}
void must(const Status& s) {
  if (!s) die(s.error().describe());
}

fs::path template_dir() { return fs::path(LEDLAB_BINARY_DIR) / "pg-template"; }
// Named after what the template holds: a change to init_cluster's options bumps it.
constexpr const char* kTemplateReady = "ledlab-template-v2";

// A zombie counts as dead: it holds no files, ports or shared memory any more.
bool alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), {});
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z' && stat[close + 2] != 'X';
}

pid_t read_pid(const fs::path& file) {
  std::ifstream f(file);
  long pid = 0;
  f >> pid;
  return static_cast<pid_t>(pid);
}

// Where clusters live: $LEDLAB_PG_TMPDIR, else /dev/shm when it is a roomy tmpfs (copying the
// template there is ten times faster than to a busy disk; a test cluster needs no
// durability), else /tmp.
fs::path cluster_parent() {
  if (const char* env = std::getenv("LEDLAB_PG_TMPDIR"); env && *env) return env;
  struct statvfs vfs {};
  if (::statvfs("/dev/shm", &vfs) == 0 && ::access("/dev/shm", W_OK) == 0 &&
      static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize) > 2e9)
    return "/dev/shm";
  return "/tmp";
}

// Directories of test processes that died without their destructor (SIGKILL, abort): their
// servers are gone (PR_SET_PDEATHSIG), the files are not.
void sweep_orphans(const fs::path& parent) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with("ledlab-pg-") || name.starts_with("ledlab-pg-init-")) continue;
    const fs::path owner = e.path() / "owner.pid";
    if (!fs::exists(owner, ec)) continue;
    if (alive(read_pid(owner)) || alive(read_pid(e.path() / "data" / "postmaster.pid"))) continue;
    fs::remove_all(e.path(), ec);
  }
}

std::string log_since(const fs::path& path, std::uintmax_t offset) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  return std::string(std::istreambuf_iterator<char>(f), {});
}

fs::path make_temp_dir(const std::string& pattern) {
  std::string t = pattern;
  if (!::mkdtemp(t.data())) die(fmt::format("mkdtemp {}: {}", pattern, std::strerror(errno)));
  return t;
}

// initdb once per build directory. The flock makes parallel test processes wait for the
// first one's template instead of each running initdb.
void ensure_template(const lab::ServerAccount& account) {
  const fs::path tpl = template_dir();
  if (fs::exists(tpl / kTemplateReady)) return;
  const std::string lock_path = tpl.string() + ".lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) die(fmt::format("{}: {}", lock_path, std::strerror(errno)));
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  while (::flock(lock, LOCK_EX) != 0)
    if (errno != EINTR) die(fmt::format("flock {}: {}", lock_path, std::strerror(errno)));
  if (fs::exists(tpl / kTemplateReady)) return;
  std::error_code ec;
  fs::remove_all(tpl, ec);
  const fs::path work = make_temp_dir("/tmp/ledlab-pg-init-XXXXXX");
  must(lab::give_to(account, work));
  const fs::path data = work / "data";
  auto status = lab::init_cluster(account, data, PgCluster::admin_password(), work / "initdb.log");
  if (status) {
    std::ofstream(data / kTemplateReady) << "initdb for the ledlab tests\n";
    const fs::path staging = tpl.string() + ".staging";
    fs::remove_all(staging, ec);
    auto rc = lab::run_as({}, {"/bin/cp", "-a", data.string(), staging.string()}, work / "initdb.log");
    if (!rc || *rc != 0) status = fail(Errc::io, "copying the template: " + lab::log_tail(work / "initdb.log"));
    else fs::rename(staging, tpl, ec);
    if (ec) status = fail(Errc::io, "renaming the template: " + ec.message());
  }
  fs::remove_all(work, ec);
  must(status);
}

}  // namespace

PgCluster::PgCluster() : PgCluster(Options{}) {}

PgCluster::PgCluster(Options options) : options_(options) {
  const fs::path parent = cluster_parent();
  sweep_orphans(parent);
  const auto account = must(lab::server_account());
  ensure_template(account);
  dir_ = make_temp_dir((parent / "ledlab-pg-XXXXXX").string());
  std::ofstream(dir_ / "owner.pid") << ::getpid() << "\n";
  auto rc = must(lab::run_as({}, {"/bin/cp", "-a", template_dir().string(), (dir_ / "data").string()}, log_path()));
  if (rc != 0) die("copying the template: " + lab::log_tail(log_path()));
  must(lab::give_to(account, dir_ / "owner.pid"));
  if (account.switch_user && ::lchown(dir_.c_str(), account.uid, account.gid) != 0)
    die(fmt::format("chown {}: {}", dir_.string(), std::strerror(errno)));
  if (::lchown(log_path().c_str(), account.uid, account.gid) != 0 && account.switch_user)
    die(fmt::format("chown {}: {}", log_path().string(), std::strerror(errno)));
  launch();
}

PgCluster::~PgCluster() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void PgCluster::launch() {
  const auto account = must(lab::server_account());
  const auto bin = must(lab::pg_bin_dir());
  const bool fresh = port_ == 0;  // a restart keeps its port: clients hold its URL
  const auto deadline = Clock::now() + kStartDeadline;
  while (true) {
    if (port_ == 0) port_ = lab::free_loopback_port();
    if (port_ == 0) die("no free port on 127.0.0.1");
    std::error_code ec;
    const auto log_start = fs::exists(log_path(), ec) ? fs::file_size(log_path(), ec) : 0;
    // fsync off: a test cluster needs no durability against power loss; a killed server
    // still recovers from its WAL, which the page cache keeps.
    std::vector<std::string> argv = {(bin / "postgres").string(), "-D", (dir_ / "data").string()};
    for (auto& o : lab::server_options(port_, dir_, options_.tls)) argv.push_back(std::move(o));
    for (const char* o : {"fsync=off", "full_page_writes=off", "max_connections=60"}) {
      argv.push_back("-c");
      argv.push_back(o);
    }
    pid_ = must(lab::spawn_as(account, argv, log_path(), true));
    const std::string ping = fmt::format("host=127.0.0.1 port={} dbname=postgres connect_timeout=5", port_);
    while (true) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        // Only what this attempt wrote: an earlier attempt's complaint is no reason now.
        std::string log = log_since(log_path(), log_start);
        const bool port_taken = log.find("could not bind") != std::string::npos ||
                                log.find("could not create any TCP/IP sockets") != std::string::npos;
        // After kill_server the dead postmaster's backends may still hold its shared memory
        // for a moment (they exit when they notice the postmaster is gone).
        const bool old_still_there = log.find("is still in use") != std::string::npos ||
                                     log.find("already exists") != std::string::npos;
        if (!(port_taken || old_still_there) || Clock::now() > deadline)
          die(fmt::format("postgres on port {} exited with status {}; {}:\n{}", port_, status, log_path().string(),
                          lab::log_tail(log_path())));
        if (port_taken && fresh) port_ = 0;
        else std::this_thread::sleep_for(std::chrono::milliseconds(50));
        break;
      }
      if (PQping(ping.c_str()) == PQPING_OK) return;
      if (Clock::now() > deadline) {
        kill_server();
        die(fmt::format("postgres on port {} did not accept connections within {} s; {}:\n{}", port_,
                        kStartDeadline.count(), log_path().string(), lab::log_tail(log_path())));
      }
      std::this_thread::sleep_for(kPoll);
    }
  }
}

void PgCluster::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGINT);  // fast shutdown (PostgreSQL docs, "Shutting Down the Server")
  const auto deadline = Clock::now() + kStopDeadline;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  pid_ = -1;
}

void PgCluster::start() {
  if (pid_ > 0) return;
  launch();
}

namespace {

// /proc/<pid>/stat's state and parent (fields 3 and 4); state 0 when there is no such process.
std::pair<char, long> state_and_parent(const fs::path& proc_dir) {
  std::ifstream f(proc_dir / "stat");
  std::string stat((std::istreambuf_iterator<char>(f)), {});
  const auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return {0, 0};
  std::istringstream rest(stat.substr(close + 1));
  char state = 0;
  long ppid = 0;
  rest >> state >> ppid;
  return {state, ppid};
}

// The postmaster's children: every process whose parent it is.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> kids;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    if (state_and_parent(e.path()).second == parent) kids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return kids;
}

// A zombie has let go of its memory, the server's shared memory included.
bool running_process(pid_t pid) {
  const char state = state_and_parent(fs::path("/proc") / std::to_string(pid)).first;
  return state != 0 && state != 'Z' && state != 'X';
}

}  // namespace

// A crash of the whole server, as a power cut would be: SIGKILL to the postmaster alone
// leaves its backends serving their clients until they notice, so stop it (no new
// children), kill every child, then it. Returns when all are gone, so that start() finds
// no one attached to the old shared memory.
void PgCluster::kill_server() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGSTOP);
  const auto kids = children_of(pid_);
  for (const pid_t k : kids) ::kill(k, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  const auto deadline = Clock::now() + kStopDeadline;
  for (const pid_t k : kids)
    while (running_process(k) && Clock::now() < deadline)
      std::this_thread::sleep_for(kPoll);
}

std::string PgCluster::admin_url(std::string_view db) const {
  return fmt::format("postgresql://postgres:{}@127.0.0.1:{}/{}", admin_password(), port_, db);
}

std::string PgCluster::url(std::string_view role, std::string_view password, std::string_view db) const {
  // Percent-encode the password: tests use ones with URI delimiters too.
  std::string enc;
  for (const unsigned char c : password) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') enc.push_back(static_cast<char>(c));
    else enc += fmt::format("%{:02X}", c);
  }
  return fmt::format("postgresql://{}:{}@127.0.0.1:{}/{}", role, enc, port_, db);
}

std::string PgCluster::create_empty_database() {
  const std::string name = fmt::format("t{}", ++databases_);
  auto admin = must(lab::PgConnection::connect(admin_url("postgres")));
  // FILE_COPY: copies template1's files instead of writing them through the WAL, faster for a
  // small database (PostgreSQL docs, "CREATE DATABASE", STRATEGY); fsync is off here.
  must(admin.exec("CREATE DATABASE " + name + " STRATEGY = FILE_COPY"));
  return name;
}

std::string PgCluster::create_database() {
  const std::string name = create_empty_database();
  auto admin = must(lab::PgConnection::connect(admin_url(name)));
  must(lab::migrate_lab(admin));
  return name;
}

}  // namespace ledlab::test
