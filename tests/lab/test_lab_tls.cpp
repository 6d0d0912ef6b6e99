// How stations reach the lab database: TLS when the server offers it, SCRAM-SHA-256
// passwords, clear errors that never carry the password, and lost servers told apart.
#include "db/lab/lab_server.hpp"
#include "lab/lab_test_support.hpp"

#include <fstream>
#include <sstream>

using namespace ledlab;
using namespace ledlab::db::lab;
using namespace ledlab::lab_test;

TEST_CASE("a station's connection over TCP uses TLS and its role's password is a SCRAM verifier") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  auto station = connect_or_fail(a.url);
  CHECK(station.tls());
  CHECK_THAT(station.tls_version(), Catch::StartsWith("TLSv1."));
  CHECK(query_or_fail(station, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").text(0, 0) == "t");
  auto stored = admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", {a.role});
  REQUIRE(stored);
  REQUIRE(stored->rows() == 1);
  CHECK_THAT(std::string(stored->text(0, 0)), Catch::StartsWith("SCRAM-SHA-256$"));
  CHECK(station.describe() == a.role + "@127.0.0.1:" + std::to_string(cluster().port()) + "/" + db);
}

TEST_CASE("a new station's password appears in no statement the server sees") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  REQUIRE(admin.exec("SET log_statement = 'all'"));
  const std::string password = "unmistakable-" + db + "-secret";
  REQUIRE(add_station(admin, "bench-log", "ledlab_station_log_" + db, password));
  REQUIRE(admin.exec("SELECT 'flushed'"));
  std::ifstream log(cluster().log_path());
  std::stringstream text;
  text << log.rdbuf();
  CHECK_THAT(text.str(), Catch::Contains("ledlab_station_log_" + db));  // the statements were logged
  CHECK_THAT(text.str(), !Catch::Contains(password));
}

TEST_CASE("a wrong password is refused with an error that names the role but not the password") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  const std::string wrong = "Wr0ng/p@ss%word";
  const std::string url = cluster().url(a.role, wrong, db);
  auto c = PgConnection::connect(url);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == Errc::storage);
  CHECK_THAT(c.error().message, Catch::Contains("password authentication failed") && Catch::Contains(a.role) &&
                                    Catch::Contains(":***@127.0.0.1"));
  CHECK_THAT(c.error().message, !Catch::Contains("Wr0ng") && !Catch::Contains("p%40ss"));
}

TEST_CASE("a server that is not there is unreachable, not refused") {
  const int port = free_loopback_port();
  REQUIRE(port > 0);
  auto c = PgConnection::connect("postgresql://nobody:pw@127.0.0.1:" + std::to_string(port) + "/ledlab", 2);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == Errc::unreachable);
  CHECK_THAT(c.error().message, Catch::Contains("nobody:***@") && !Catch::Contains(":pw@"));
  // libpq's text is several lines, the second indented with a tab: one line of single spaces here.
  CHECK(c.error().message.find_first_of("\t\r\n") == std::string::npos);
  CHECK(c.error().message.find("  ") == std::string::npos);
}

TEST_CASE("without TLS on the server the default connects in the clear and sslmode=require refuses") {
  static test::PgCluster plain(test::PgCluster::Options{.tls = false});
  auto clear = connect_or_fail(plain.admin_url());
  CHECK_FALSE(clear.tls());
  CHECK(clear.tls_version().empty());
  auto required = PgConnection::connect(plain.admin_url() + "?sslmode=require");
  REQUIRE_FALSE(required);
  CHECK(required.error().code == Errc::storage);
  CHECK_THAT(required.error().message, Catch::Contains("SSL"));
}

TEST_CASE("a query whose server died is disconnected, and the data committed before is there after the restart") {
  test::PgCluster own;
  auto admin = connect_or_fail(own.admin_url("postgres"));
  REQUIRE(admin.exec("CREATE TABLE kept(i int); INSERT INTO kept VALUES (1), (2)"));
  own.kill_server();
  auto lost = admin.query("SELECT count(*) FROM kept");
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code == Errc::disconnected);
  CHECK_FALSE(admin.healthy());
  auto refused = PgConnection::connect(own.admin_url("postgres"), 2);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::unreachable);

  own.start();
  auto again = connect_or_fail(own.admin_url("postgres"));
  CHECK(query_or_fail(again, "SELECT count(*) FROM kept").int64(0, 0) == 2);
  own.stop();
  auto stopped = again.query("SELECT 1");
  REQUIRE_FALSE(stopped);
  CHECK(stopped.error().code == Errc::disconnected);
}

TEST_CASE("a transaction rolls back when dropped and a commit after an error says it rolled back") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  {
    auto tx = Transaction::begin(admin);
    REQUIRE(tx);
    REQUIRE(admin.exec(insert_run_sql("dddddddd-0000-4000-8000-000000000004", "bench-a")));
  }
  CHECK(query_or_fail(admin, "SELECT count(*) FROM ledlab.runs").int64(0, 0) == 0);
  auto tx = Transaction::begin(admin);
  REQUIRE(tx);
  REQUIRE(admin.exec(insert_run_sql("dddddddd-0000-4000-8000-000000000004", "bench-a")));
  CHECK_FALSE(admin.exec(insert_run_sql("dddddddd-0000-4000-8000-000000000004", "bench-a")));
  CHECK(admin.last_sqlstate() == "23505");  // unique_violation
  auto committed = tx->commit();
  REQUIRE_FALSE(committed);
  CHECK_THAT(committed.error().message, Catch::Contains("rolled back"));
  CHECK(query_or_fail(admin, "SELECT count(*) FROM ledlab.runs").int64(0, 0) == 0);
}
