// `ledlab lab test-server|init|add-station|add-reader` as a lab administrator types them.
#include "db/lab/lab_server.hpp"
#include "lab/lab_test_support.hpp"
#include "support/cli_process.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

using namespace ledlab;
using namespace ledlab::db::lab;
using namespace ledlab::lab_test;
using ledlab::test::run_ledlab;
using ledlab::test::run_shell;

namespace {

// A test server's directory, stopped and removed whatever the test's outcome: pg_ctl's
// server is not this process's child and would outlive it.
struct TestServerDir {
  std::filesystem::path dir = std::filesystem::path("/tmp") / ("ledlab-lab-cli-" + std::to_string(::getpid()));
  TestServerDir() { std::filesystem::remove_all(dir); }
  ~TestServerDir() {
    run_ledlab("lab test-server " + dir.string() + " --stop");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

std::string admin_url_in(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("\n  (postgresql://\\S+)\n"))) FAIL("no admin URL in:\n" << out);
  return m[1];
}

std::string write_password(const std::string& name, const std::string& password) {
  const std::string path = test::in_build(name);
  std::ofstream(path) << password << "\n";
  return path;
}

}  // namespace

TEST_CASE("a lab test server is set up with init, add-station and add-reader, and stopped with --stop") {
  TestServerDir server;
  const auto started = run_ledlab("lab test-server " + server.dir.string());
  INFO(started.out);
  REQUIRE(started.code == 0);
  const std::string admin = admin_url_in(started.out);
  CHECK_THAT(admin, !Catch::Contains(":***@") && Catch::Contains("passfile="));

  const auto init = run_ledlab("lab init --admin '" + admin + "'");
  INFO(init.out);
  CHECK(init.code == 0);
  CHECK_THAT(init.out, Catch::Contains("schema 1 (created)") && Catch::Contains("TLS"));
  const auto again = run_ledlab("lab init --admin '" + admin + "'");
  CHECK_THAT(again.out, Catch::Contains("schema 1 (already current)"));

  const std::string pw_file = write_password("lab-cli-station.pw", "station:pw/1");
  const auto station = run_ledlab("lab add-station bench-a --admin '" + admin + "' --password-file " + pw_file);
  INFO(station.out);
  CHECK(station.code == 0);
  CHECK_THAT(station.out, Catch::Contains("ledlab_station_bench_a"));
  const auto reader = run_shell("echo 'reader-pw' | " LEDLAB_BINARY_DIR "/ledlab lab add-reader viewer --admin '" + admin +
                                "' --password-file -");
  INFO(reader.out);
  CHECK(reader.code == 0);

  const std::smatch port = [&] {
    std::smatch m;
    std::regex_search(admin, m, std::regex(":(\\d+)/"));
    return m;
  }();
  auto as_station = connect_or_fail("postgresql://ledlab_station_bench_a:station%3Apw%2F1@127.0.0.1:" +
                                    std::string(port[1]) + "/ledlab");
  CHECK(as_station.tls());
  CHECK(query_or_fail(as_station, "SELECT ledlab.my_station()").text(0, 0) == "bench-a");
  auto as_reader = connect_or_fail("postgresql://viewer:reader-pw@127.0.0.1:" + std::string(port[1]) + "/ledlab");
  CHECK(query_or_fail(as_reader, "SELECT count(*) FROM ledlab.runs").int64(0, 0) == 0);

  const auto stopped = run_ledlab("lab test-server " + server.dir.string() + " --stop");
  CHECK(stopped.code == 0);
  auto gone = PgConnection::connect("postgresql://viewer:reader-pw@127.0.0.1:" + std::string(port[1]) + "/ledlab", 2);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == Errc::unreachable);
}

TEST_CASE("lab init refuses a URL that is not PostgreSQL's with exit 2 and does not print its password") {
  const auto r = run_ledlab("lab init --admin 'mysql://admin:Hush-9@db.lab/lab'");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("postgresql://") && Catch::Contains("mysql://") && !Catch::Contains("Hush-9"));
}

TEST_CASE("lab init with a wrong admin password exits 1 naming the failure but not the password") {
  const auto r = run_ledlab("lab init --admin 'postgresql://postgres:Wr0ng-Hush@127.0.0.1:" +
                            std::to_string(cluster().port()) + "/ledlab'");
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("password authentication failed") && Catch::Contains("postgres:***@") &&
                        !Catch::Contains("Wr0ng-Hush"));
}

TEST_CASE("lab add-station refuses an empty password file and a station name the schema would refuse") {
  const std::string admin = cluster().admin_url(cluster().create_database());
  const auto empty = run_ledlab("lab add-station bench-a --admin '" + admin + "' --password-file " +
                                write_password("lab-cli-empty.pw", ""));
  CHECK(empty.code == 2);
  CHECK_THAT(empty.out, Catch::Contains("empty"));
  const auto bad = run_ledlab("lab add-station 'bench a' --admin '" + admin + "' --password-file " +
                              write_password("lab-cli-ok.pw", "pw"));
  CHECK(bad.code == 2);
  CHECK_THAT(bad.out, Catch::Contains("station name 'bench a'"));
}
