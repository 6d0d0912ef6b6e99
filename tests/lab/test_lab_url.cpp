// Lab database URLs: passwords never shown, garbage refused with its reason, and the order
// in which a URL is chosen.
#include "db/lab/lab_url.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace ledlab;
using namespace ledlab::db::lab;

TEST_CASE("redact_url hides the password of a URI") {
  CHECK(redact_url("postgresql://station_a:s3cret@127.0.0.1:5432/lab") == "postgresql://station_a:***@127.0.0.1:5432/lab");
  CHECK(redact_url("postgres://u:p%40ss%2Fw%3A@db.lab:5432/lab?sslmode=require") ==
        "postgres://u:***@db.lab:5432/lab?sslmode=require");
  // A password that forgot to percent-encode its '@' or '/' is still hidden whole.
  CHECK(redact_url("postgresql://u:a@b/c@host/lab") == "postgresql://u:***@host/lab");
  CHECK(redact_url("postgresql://u@host/lab?sslmode=require&password=abc&application_name=x") ==
        "postgresql://u@host/lab?sslmode=require&password=***&application_name=x");
  CHECK(redact_url("postgresql://u@host/lab?pass%77ord=abc") == "postgresql://u@host/lab?pass%77ord=***");
  CHECK(redact_url("postgresql://u@host/lab") == "postgresql://u@host/lab");
  CHECK(redact_url("postgresql://host:5432/lab?passfile=/etc/ledlab/pgpass") ==
        "postgresql://host:5432/lab?passfile=/etc/ledlab/pgpass");
}

TEST_CASE("redact_url hides the password of a key=value conninfo string") {
  CHECK(redact_url("host=db.lab user=station_a password=s3cret dbname=lab") ==
        "host=db.lab user=station_a password=*** dbname=lab");
  CHECK(redact_url("host=db.lab password = 'se cr\\'et' dbname=lab") == "host=db.lab password = *** dbname=lab");
  CHECK(redact_url("host=db.lab dbname=lab") == "host=db.lab dbname=lab");
  // Neither form: whatever it holds stays out of sight.
  CHECK(redact_url("user:secret@host and more") == "(unparsable lab URL)");
}

TEST_CASE("url_has_password and url_password find every form of password") {
  CHECK(url_has_password("postgresql://u:x@h/lab"));
  CHECK(url_has_password("postgresql://u@h/lab?password=x"));
  CHECK(url_has_password("host=h password=x"));
  CHECK_FALSE(url_has_password("postgresql://u@h/lab"));
  CHECK_FALSE(url_has_password("postgresql://h/lab?passfile=/x"));
  CHECK_FALSE(url_has_password("host=h user=u"));
  CHECK(url_password("postgresql://u:p%40ss@h/lab") == "p@ss");
  CHECK(url_password("host=h password='a b\\'c'") == "a b'c");
  CHECK(url_password("postgresql://u@h/lab").empty());
}

TEST_CASE("check_lab_url accepts libpq's URIs and conninfo strings") {
  CHECK(check_lab_url("postgresql://station_a@db.lab:5432/lab?sslmode=verify-full"));
  CHECK(check_lab_url("postgres://db.lab/lab"));
  CHECK(check_lab_url("host=db.lab port=5432 dbname=lab user=station_a"));
}

TEST_CASE("check_lab_url refuses garbage and says what is wrong without showing a password") {
  auto empty = check_lab_url("   ");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == Errc::config);
  CHECK_THAT(empty.error().message, Catch::Contains("empty"));

  auto scheme = check_lab_url("mysql://u:secret@db.lab/lab");
  REQUIRE_FALSE(scheme);
  CHECK_THAT(scheme.error().message, Catch::Contains("postgresql://") && Catch::Contains("mysql://") &&
                                         !Catch::Contains("secret"));

  auto words = check_lab_url("the lab database");
  REQUIRE_FALSE(words);
  CHECK(words.error().code == Errc::config);

  auto key = check_lab_url("hots=db.lab password=secret");
  REQUIRE_FALSE(key);
  CHECK_THAT(key.error().message, Catch::Contains("hots") && !Catch::Contains("secret"));

  auto option = check_lab_url("postgresql://u:secret@db.lab/lab?sslmod=require");
  REQUIRE_FALSE(option);
  CHECK_THAT(option.error().message, Catch::Contains("sslmod") && !Catch::Contains("secret"));

  auto newline = check_lab_url("postgresql://db.lab/lab\n");
  REQUIRE_FALSE(newline);
  CHECK_THAT(newline.error().message, Catch::Contains("control character"));
}

TEST_CASE("the command line's URL wins over the station file's, which wins over LEDLAB_LAB_DB") {
  ::setenv("LEDLAB_LAB_DB", "postgresql://env/lab", 1);
  CHECK(lab_url_from("postgresql://cli/lab", "postgresql://station/lab") == "postgresql://cli/lab");
  CHECK(lab_url_from(std::nullopt, "postgresql://station/lab") == "postgresql://station/lab");
  CHECK(lab_url_from(std::nullopt, std::nullopt) == "postgresql://env/lab");
  ::unsetenv("LEDLAB_LAB_DB");
  CHECK_FALSE(lab_url_from(std::nullopt, std::nullopt));
  CHECK_FALSE(lab_url_from(std::string(), std::string()));
}
