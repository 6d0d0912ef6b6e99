#pragma once
// A private PostgreSQL 15 cluster for one test program: a fresh temporary directory
// ($LEDLAB_PG_TMPDIR, else /dev/shm when roomy, else /tmp), TCP on a
// free loopback port, SCRAM-SHA-256 passwords, TLS with a self-signed certificate. initdb runs
// once per build directory (${LEDLAB_BINARY_DIR}/pg-template, under an flock so parallel
// ctest processes share it); each cluster copies the template, so starting one takes well
// under a second.
//
// The server is this process's child, tied to the thread that started it with
// PR_SET_PDEATHSIG: when the test process dies, even by SIGKILL, the server gets SIGQUIT
// (immediate shutdown) and exits; the next PgCluster removes directories whose owner died.
// Create a cluster from the thread that outlives it (a test's main thread; a `static`).
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace ledlab::test {

class PgCluster {
 public:
  struct Options {
    bool tls = true;
  };
  // Throws std::runtime_error with the server log's tail when the cluster does not start.
  PgCluster();  // Options{} (a default argument cannot use Options' member initialisers here)
  explicit PgCluster(Options options);
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  void stop();         // fast shutdown (SIGINT): for outage tests
  void start();        // again, same port and data
  void kill_server();  // SIGKILL the postmaster and every backend at once: a crash
  bool running() const { return pid_ > 0; }
  pid_t server_pid() const { return pid_; }  // the postmaster; -1 when stopped

  int port() const { return port_; }
  static constexpr std::string_view admin_password() { return "ledlab-test-admin"; }
  // The superuser "postgres" with its password over TCP.
  std::string admin_url(std::string_view db = "ledlab") const;
  std::string url(std::string_view role, std::string_view password, std::string_view db = "ledlab") const;
  // A fresh database "t<N>" with the ledlab schema initialised (migrate_lab).
  std::string create_database();
  // A fresh database without the schema.
  std::string create_empty_database();
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path log_path() const { return dir_ / "server.log"; }

 private:
  void launch();  // starts postgres and waits until it accepts connections
  Options options_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

}  // namespace ledlab::test
