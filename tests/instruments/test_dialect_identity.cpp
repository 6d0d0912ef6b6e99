// Dialect identity: each dialect names the *IDN? replies it serves; a driver attached to an
// instrument that answers with another identity refuses, warns or ignores it as the station
// entry says. The twins are real ones over loopback TCP, given another identity by SIM:IDN.
#include "instruments/common/dialect_identity.hpp"
#include "instruments/common/registry.hpp"
#include "tests/instruments/dialect_rig.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace ledlab;
using instruments::IdentityCheck;
using instruments::IdentityPolicy;
using instruments::InstrumentConfig;
namespace asio = boost::asio;

namespace {

scpi::Identity idn(std::string manufacturer, std::string model) {
  return {std::move(manufacturer), std::move(model), "1", "1", {}};
}

InstrumentConfig config_with(std::string kind, std::string driver, IdentityPolicy policy) {
  return test::workable_config(std::move(kind), std::move(driver), policy);
}

// A twin answering `reply` to *IDN? and a driver for it; attach() is what is tested.
struct Rig : test::DialectRig {
  using DialectRig::DialectRig;
  Status attach() { return run(driver->attach()); }
};

constexpr const char* kKeithley = "KEITHLEY INSTRUMENTS INC.,MODEL 2400,1234567,C30";

}  // namespace

TEST_CASE("identity patterns are '|' alternatives of globs compared without regard to case") {
  using instruments::matches_pattern;
  CHECK(matches_pattern("Keysight Technologies|Agilent Technologies", "Agilent Technologies"));
  CHECK(matches_pattern("Keysight Technologies|Agilent Technologies", "KEYSIGHT TECHNOLOGIES"));
  CHECK(matches_pattern("N4903*", "N4903B"));
  CHECK(matches_pattern("335??B", "33522B"));
  CHECK_FALSE(matches_pattern("335??B", "3352B"));
  CHECK_FALSE(matches_pattern("N4903*", "N4960A"));
  CHECK(matches_pattern("*", ""));
  CHECK_FALSE(matches_pattern("MODEL 2450", "MODEL 24500"));
  // Backtracking over several stars, never recursion.
  CHECK(matches_pattern("*a*b*c", std::string(5000, 'a') + "bc"));
  CHECK_FALSE(matches_pattern("*a*b*c*d", std::string(5000, 'a')));
}

TEST_CASE("every dialect that declares an identity cites its source, and its sample reply matches it") {
  for (const auto& info : instruments::DriverRegistry::instance().all()) {
    REQUIRE(info.identity_of);
    for (const auto& driver : info.drivers) {
      INFO(info.kind << "/" << driver);
      const auto* d = info.identity_of(driver);
      REQUIRE(d != nullptr);
      if (!d->declared()) {  // a model without *IDN? (a Modbus controller): nothing to compare
        WARN(info.kind << "/" << driver << " declares no identity");
        continue;
      }
      CHECK_FALSE(d->source.empty());
      auto sample = scpi::parse_identity(d->sample);
      REQUIRE(sample);
      CHECK(instruments::matches(*d, *sample));
    }
  }
}

TEST_CASE("an identity names every dialect of every kind that would serve it") {
  const auto& registry = instruments::DriverRegistry::instance();
  CHECK(registry.dialects_matching(idn("Agilent Technologies", "N4903B")) == std::vector<std::string>{"bert/n4903b"});
  CHECK(registry.dialects_matching(idn("KEITHLEY INSTRUMENTS INC.", "MODEL 2400")) ==
        std::vector<std::string>{"smu/keithley2400"});
  CHECK(registry.dialects_matching(idn("Acme", "X1")).empty());
}

TEST_CASE("a twin served for a real model's dialect answers that model's identity, and its own otherwise") {
  auto b2900 = test::instrument_config("smu1", "smu", "b2900");
  CHECK(instruments::twin_identity(b2900, {"Keysight Technologies", "SMU-ARRAY-SIM", "S", "F"}).model == "B2902A");
  auto own = test::instrument_config("smu1", "smu", "ledlab-smu");
  CHECK(instruments::twin_identity(own, {"Keysight Technologies", "SMU-ARRAY-SIM", "S", "F"}).model == "SMU-ARRAY-SIM");
  const auto keithley = instruments::twin_identity(test::instrument_config("smu1", "smu", "keithley2400"),
                                                   {"Keysight Technologies", "SMU-ARRAY-SIM", "SIM-smu1", "F"});
  CHECK(keithley.manufacturer == "KEITHLEY INSTRUMENTS INC.");
  CHECK(keithley.serial == "SIM-smu1");
}

TEST_CASE("a BERT twin answering as a Keithley SMU is refused by the n4903b driver, naming what it said and what fits") {
  Rig rig(config_with("bert", "n4903b", IdentityPolicy::refuse), kKeithley);
  const Status st = rig.attach();
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::config);
  CHECK(st.error().instrument == "dut_tool");
  CHECK(st.error().command == "*IDN?");
  CHECK_THAT(st.error().message, Catch::Contains("*IDN? says '" + std::string(kKeithley) + "'"));
  CHECK_THAT(st.error().message, Catch::Contains("not a model the n4903b dialect serves"));
  CHECK_THAT(st.error().message, Catch::Contains("model 'N4903*'"));
  CHECK_THAT(st.error().message, Catch::Contains("dialects that would fit it: smu/keithley2400"));
  REQUIRE(rig.driver->identity_check());
  CHECK(rig.driver->identity_check()->verdict == IdentityCheck::Verdict::mismatched);
  CHECK_THAT(rig.driver->identity_check()->describe(), Catch::Contains("MISMATCH"));
}

TEST_CASE("the same mismatch is only logged with identity = warn, and not compared with identity = ignore") {
  Rig warned(config_with("bert", "n4903b", IdentityPolicy::warn), kKeithley);
  test::require_ok(warned.attach());
  REQUIRE(warned.driver->identity_check());
  CHECK(warned.driver->identity_check()->verdict == IdentityCheck::Verdict::mismatched);
  CHECK(warned.driver->identity_check()->would_match == std::vector<std::string>{"smu/keithley2400"});

  Rig ignored(config_with("bert", "n4903b", IdentityPolicy::ignore), kKeithley);
  test::require_ok(ignored.attach());
  REQUIRE(ignored.driver->identity_check());
  CHECK(ignored.driver->identity_check()->verdict == IdentityCheck::Verdict::ignored);
}

TEST_CASE("a twin served for its dialect matches it, for every kind") {
  for (const auto& info : instruments::DriverRegistry::instance().all()) {
    for (const auto& driver : info.drivers) {
      INFO(info.kind << "/" << driver);
      if (!info.identity_of(driver)->declared()) continue;
      Rig rig(config_with(info.kind, driver, IdentityPolicy::refuse), "");
      test::require_ok(rig.attach());
      REQUIRE(rig.driver->identity_check());
      CHECK(rig.driver->identity_check()->verdict == IdentityCheck::Verdict::matched);
    }
  }
}
