// The thermal chamber driver against its simulated twin over loopback TCP, and the twin's own
// SCPI behaviour. Simulated time runs 600x faster than wall time unless a test says otherwise.
#include "instruments/thermal_chamber/thermal_chamber.hpp"
#include "tests/support/sim_station.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <limits>

namespace asio = boost::asio;
using namespace ledlab;
using namespace ledlab::instruments;
using namespace std::chrono_literals;

namespace {

InstrumentConfig chamber_config(std::string driver = "thermostream") {
  InstrumentConfig c;
  c.name = "chamber";
  c.kind = "thermal_chamber";
  c.driver = std::move(driver);
  c.limits = {{"min_c", -40.0}, {"max_c", 125.0}};
  c.options = {{"safe_temperature_c", 30.0}};
  return c;
}

// A twin on the shared bench, and an initialised driver connected to it.
struct Rig {
  explicit Rig(InstrumentConfig config = chamber_config(), double time_scale = 600)
      : station({}, time_scale), port(station.serve_twin(config)), driver(test::make_driver(io, config, port)),
        chamber(dynamic_cast<ThermalChamber&>(*driver)) {
    chamber.set_clock(station.clock());
    ok(go(chamber.initialize()));
  }

  template <class T>
  T go(asio::awaitable<T> op) {
    return test::run(io, std::move(op));
  }
  double sim_time_s() const { return station.clock()->elapsed_s(); }
  sim::Bench& bench() { return *station.bench(); }

  static void ok(const Status& s) {
    INFO((s ? std::string("ok") : s.error().describe()));
    REQUIRE(s.has_value());
  }
  template <class T>
  static T ok(Result<T> r) {
    INFO((r ? std::string("ok") : r.error().describe()));
    REQUIRE(r.has_value());
    return std::move(*r);
  }

  test::SimStation station;
  asio::io_context io;
  std::uint16_t port;
  std::unique_ptr<Instrument> driver;
  ThermalChamber& chamber;
};

// Polls the driver's at-temperature flag every few wall milliseconds until it is set, fails,
// or the wall-clock limit passes (then false).
asio::awaitable<Result<bool>> wait_at_temperature(ThermalChamber& chamber, std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto at = co_await chamber.at_temperature();
    if (!at || *at) co_return at;
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    timer.expires_after(5ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

// Polls the air reading until it is within `band_c` of `target_c` or the wall limit passes.
asio::awaitable<Result<double>> wait_air_near(ThermalChamber& chamber, double target_c, double band_c,
                                              std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto air = co_await chamber.read_temperature_c(ChamberProbe::air);
    if (!air || std::fabs(*air - target_c) <= band_c || std::chrono::steady_clock::now() > deadline) co_return air;
    timer.expires_after(5ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

std::vector<int> queued_codes(Rig& rig) {
  std::vector<int> codes;
  for (const auto& e : Rig::ok(rig.go(rig.chamber.session().drain_errors()))) codes.push_back(e.code);
  return codes;
}

}  // namespace

TEST_CASE("the thermal chamber driver programs the station limits into a ThermoStream and round-trips a setpoint") {
  Rig rig;
  REQUIRE(rig.chamber.identity());
  CHECK(rig.chamber.identity()->manufacturer == "inTEST");
  const ChamberLimits limits = Rig::ok(rig.go(rig.chamber.read_limits_c()));
  CHECK(limits.min_c == Approx(-40.0));
  CHECK(limits.max_c == Approx(125.0));

  Rig::ok(rig.go(rig.chamber.set_setpoint_c(60.0)));
  CHECK(Rig::ok(rig.go(rig.chamber.setpoint_c())) == Approx(60.0));
  CHECK(rig.bench().chamber_setpoint_c() == Approx(60.0));
  CHECK(rig.chamber.settings()["setpoint_c"] == 60.0);
  CHECK(queued_codes(rig).empty());
}

TEST_CASE("the thermal chamber air approaches the setpoint and TECR? reports at temperature only after window and soak") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber.set_ramp_c_per_min(30.0)));
  Rig::ok(rig.go(rig.chamber.set_window_c(0.5)));
  Rig::ok(rig.go(rig.chamber.set_soak_s(60.0)));
  const double start_s = rig.sim_time_s();
  Rig::ok(rig.go(rig.chamber.set_setpoint_c(60.0)));
  CHECK_FALSE(Rig::ok(rig.go(rig.chamber.at_temperature())));

  REQUIRE(Rig::ok(rig.go(wait_at_temperature(rig.chamber, 20s))));
  // 35 C at 30 C/min takes 70 s, then 60 s of soak inside the window.
  CHECK(rig.sim_time_s() - start_s >= 130.0);
  const sim::ChamberStatus s = rig.bench().chamber_status();
  CHECK(s.in_window_for_s >= 60.0);
  const double air = Rig::ok(rig.go(rig.chamber.read_temperature_c(ChamberProbe::air)));
  CHECK(std::fabs(air - 60.0) <= 0.5 + 0.3);
  // The DUT follows the air through the fixture, more slowly: it has left 25 C behind.
  CHECK(Rig::ok(rig.go(rig.chamber.read_temperature_c(ChamberProbe::dut))) > 40.0);
}

TEST_CASE("a thermal chamber setpoint outside the station limits is refused by the driver and never reaches the chamber") {
  Rig rig;
  for (double bad : {150.0, -50.0}) {
    auto st = rig.go(rig.chamber.set_setpoint_c(bad));
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Errc::limit);
    CHECK(st.error().instrument == "chamber");
    CHECK_THAT(st.error().message, Catch::Contains(fmt::format("{}", bad)));
  }
  CHECK(rig.bench().chamber_setpoint_c() == Approx(25.0));
  CHECK(Rig::ok(rig.go(rig.chamber.setpoint_c())) == Approx(25.0));
  CHECK(queued_codes(rig).empty());  // had SETP gone out, ULIM/LLIM would have queued -222
  CHECK(rig.chamber.settings()["setpoint_c"] == 25.0);
}

TEST_CASE("an out-of-range setpoint sent past the thermal chamber driver gets -222 and the connection stays up") {
  Rig rig;
  auto& session = rig.chamber.session();
  Rig::ok(rig.go(session.write("SETP 300")));  // beyond the ThermoStream's -99.9 .. 225
  Rig::ok(rig.go(session.write("SETP 130")));  // within it, above ULIM 125
  CHECK(queued_codes(rig) == std::vector<int>{-222, -222});
  auto st = rig.go(session.write_checked("SETP 126"));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::instrument);
  CHECK(st.error().scpi_code == -222);
  CHECK(rig.bench().chamber_setpoint_c() == Approx(25.0));
  CHECK(Rig::ok(rig.go(session.query("*IDN?"))).starts_with("inTEST,ATS-710-M,SIM"));
  CHECK(Rig::ok(rig.go(session.query("SETP?"))) == "25.0");
}

TEST_CASE("thermal chamber safe_state turns the air flow on and sets the safe temperature") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber.set_setpoint_c(80.0)));
  Rig::ok(rig.go(rig.chamber.set_enabled(false)));
  REQUIRE_FALSE(rig.bench().chamber_status().enabled);

  Rig::ok(rig.go(rig.chamber.safe_state()));
  CHECK(rig.bench().chamber_setpoint_c() == Approx(30.0));
  CHECK(rig.bench().chamber_status().enabled);
  CHECK(Rig::ok(rig.go(rig.chamber.session().query("FLOW?"))) == "1");
  CHECK(rig.chamber.settings()["air_flow_on"] == true);
}

TEST_CASE("thermal chamber reapply_settings restores setpoint, ramp, window and soak after the chamber was reset") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber.set_window_c(1.5)));
  Rig::ok(rig.go(rig.chamber.set_soak_s(120.0)));
  Rig::ok(rig.go(rig.chamber.set_ramp_c_per_min(4.2)));
  Rig::ok(rig.go(rig.chamber.set_setpoint_c(85.0)));
  auto& session = rig.chamber.session();
  Rig::ok(rig.go(session.write("*RST")));
  CHECK(Rig::ok(rig.go(session.query("SETP?"))) == "25.0");
  CHECK(Rig::ok(rig.go(session.query("WNDW?"))) == "0.5");

  Rig::ok(rig.go(rig.chamber.reapply_settings()));
  CHECK(Rig::ok(rig.go(session.query("SETP?"))) == "85.0");
  CHECK(Rig::ok(rig.go(session.query("WNDW?"))) == "1.5");
  CHECK(Rig::ok(rig.go(session.query("SOAK?"))) == "120");
  CHECK(Rig::ok(rig.go(session.query("RAMP?"))) == "4.2");
  const auto s = rig.chamber.settings();
  CHECK(s["ramp_c_per_min"] == 4.2);
  CHECK(s["soak_s"] == 120.0);
}

TEST_CASE("a thermal chamber over-temperature alarm is latched, visible through the driver and cleared by the reset command") {
  Rig rig;
  CHECK_FALSE(Rig::ok(rig.go(rig.chamber.read_alarms())).any());
  auto& session = rig.chamber.session();
  Rig::ok(rig.go(session.write("SIM:FAULT:ALARM")));

  const ChamberAlarms alarms = Rig::ok(rig.go(rig.chamber.read_alarms()));
  CHECK(alarms.over_temperature);
  CHECK_FALSE(alarms.low_air);
  CHECK(alarms.describe() == "over-temperature");
  CHECK_FALSE(Rig::ok(rig.go(rig.chamber.at_temperature())));
  CHECK((Rig::ok(rig.go(session.query_int("STAT:QUES:COND?"))) & 16) != 0);
  CHECK(Rig::ok(rig.go(rig.chamber.read_alarms())).over_temperature);  // still latched

  Rig::ok(rig.go(rig.chamber.clear_alarms()));
  CHECK_FALSE(Rig::ok(rig.go(rig.chamber.read_alarms())).any());
  CHECK((Rig::ok(rig.go(session.query_int("STAT:QUES:COND?"))) & 16) == 0);
}

TEST_CASE("clearing a ThermoStream's alarms programs the station limits again, which its reset command put back to fixed values") {
  // TP04300 Series Interface & Applications Manual, appendix C: RSTO, like *RST, resets the
  // upper and lower temperature limits; left so, the chamber would accept any setpoint in its
  // hardware range from the front panel.
  Rig rig;
  Rig::ok(rig.go(rig.chamber.set_setpoint_c(60)));
  Rig::ok(rig.go(rig.chamber.session().write("SIM:FAULT:ALARM")));
  Rig::ok(rig.go(rig.chamber.clear_alarms()));
  const ChamberLimits limits = Rig::ok(rig.go(rig.chamber.read_limits_c()));
  CHECK(limits.min_c == -40.0);
  CHECK(limits.max_c == 125.0);
  CHECK(Rig::ok(rig.go(rig.chamber.setpoint_c())) == 60.0);
}

TEST_CASE("a thermal chamber air supply fault shows as low air and low flow") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber.session().write("SIM:FAULT:AIR ON")));
  const ChamberAlarms alarms = Rig::ok(rig.go(rig.chamber.read_alarms()));
  CHECK(alarms.low_air);
  CHECK(alarms.low_flow);
  CHECK_FALSE(alarms.over_temperature);
  CHECK_FALSE(rig.bench().chamber_status().enabled);
}

TEST_CASE("a stuck thermal chamber does not reach its setpoint until the fault clears") {
  Rig rig(chamber_config(), 1.0);  // simulated time moves only as the test advances it (plus wall time)
  // write_checked: its SYST:ERR? round trip proves the twin has the fault before time jumps.
  Rig::ok(rig.go(rig.chamber.session().write_checked("SIM:FAULT:STUCK ON")));
  Rig::ok(rig.go(rig.chamber.set_setpoint_c(60.0)));
  rig.station.clock()->advance(600.0);  // ten minutes: a healthy chamber settles in ~3

  const double air = Rig::ok(rig.go(rig.chamber.read_temperature_c()));
  CHECK(air == Approx(25.0).margin(0.5));
  CHECK_FALSE(Rig::ok(rig.go(rig.chamber.at_temperature())));

  Rig::ok(rig.go(rig.chamber.session().write_checked("SIM:FAULT:STUCK OFF")));
  rig.station.clock()->advance(600.0);
  CHECK(Rig::ok(rig.go(rig.chamber.read_temperature_c())) == Approx(60.0).margin(0.5));
}

TEST_CASE("a garbled thermal chamber reply is a protocol error naming the instrument and the command") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber.session().write("SIM:FAULT:GARB")));
  auto air = rig.go(rig.chamber.read_temperature_c(ChamberProbe::air));
  REQUIRE_FALSE(air);
  CHECK(air.error().code == Errc::protocol);
  CHECK(air.error().instrument == "chamber");
  CHECK(air.error().command == "TMPA?");
  CHECK(Rig::ok(rig.go(rig.chamber.read_temperature_c())) == Approx(25.0).margin(0.5));
}

TEST_CASE("a stalled thermal chamber reply times out and the next call works after a reconnect") {
  InstrumentConfig config = chamber_config();
  config.session.timeout = scpi::Millis(300);
  Rig rig(config);
  Rig::ok(rig.go(rig.chamber.session().write("SIM:FAULT:STALL 3")));
  const auto t0 = std::chrono::steady_clock::now();
  auto air = rig.go(rig.chamber.read_temperature_c());
  REQUIRE_FALSE(air);
  CHECK(air.error().code == Errc::timeout);
  CHECK(air.error().instrument == "chamber");
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);

  CHECK(Rig::ok(rig.go(rig.chamber.read_temperature_c())) == Approx(25.0).margin(0.5));
  CHECK(Rig::ok(rig.go(rig.chamber.setpoint_c())) == Approx(25.0));
}

TEST_CASE("the F4T driver puts the controller's SCPI in degrees C before any temperature, since it talks Fahrenheit until told") {
  // TestEquity F4T controller manual, "SCPI Programming Mode": temperatures in F unless
  // :UNIT:TEMPERATURE C. Without it a 60 C setpoint would be taken as 60 F (15.6 C).
  InstrumentConfig config = chamber_config("watlow-f4t");
  test::SimStation station;
  auto device = TwinRegistry::instance().make({config, station.bench(), station.clock()});
  REQUIRE(device);
  scpi::server::ConnectionState conn;
  CHECK((*device)->execute(":UNIT:TEMPERATURE?", conn).reply == "F");
  asio::io_context io;
  auto driver = test::make_driver(io, config, station.serve(*device));
  auto& chamber = dynamic_cast<ThermalChamber&>(*driver);
  Rig::ok(test::run(io, chamber.initialize()));
  Rig::ok(test::run(io, chamber.set_setpoint_c(60)));
  CHECK(station.bench()->chamber_setpoint_c() == Approx(60.0));
  CHECK(Rig::ok(test::run(io, chamber.session().query(":UNIT:TEMPERATURE?"))) == "C");
}

TEST_CASE("the thermal chamber F4T dialect times the soak itself from readings and says what it lacks") {
  Rig rig(chamber_config("watlow-f4t"));
  CHECK(rig.chamber.identity()->model == "F4T");
  Rig::ok(rig.go(rig.chamber.set_window_c(0.5)));
  Rig::ok(rig.go(rig.chamber.set_soak_s(60.0)));
  const double start_s = rig.sim_time_s();
  Rig::ok(rig.go(rig.chamber.set_setpoint_c(40.0)));
  CHECK(rig.bench().chamber_setpoint_c() == Approx(40.0));
  CHECK_FALSE(Rig::ok(rig.go(rig.chamber.at_temperature())));

  REQUIRE(Rig::ok(rig.go(wait_at_temperature(rig.chamber, 20s))));
  CHECK(rig.sim_time_s() - start_s >= 60.0 + 30.0);  // 15 C at 30 C/min, then the soak
  CHECK(rig.bench().chamber_status().in_window);

  auto alarms = rig.go(rig.chamber.read_alarms());
  REQUIRE_FALSE(alarms);
  CHECK(alarms.error().code == Errc::config);
  const ChamberLimits limits = Rig::ok(rig.go(rig.chamber.read_limits_c()));
  CHECK(limits.min_c == Approx(-40.0));
  CHECK(limits.max_c == Approx(125.0));
  auto refused = rig.go(rig.chamber.set_setpoint_c(130.0));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::limit);

  Rig::ok(rig.go(rig.chamber.set_enabled(false)));
  CHECK_FALSE(rig.bench().chamber_status().enabled);
  CHECK(queued_codes(rig).empty());
}

TEST_CASE("the thermal chamber twin refuses a lower limit above the upper one and keeps its settings") {
  Rig rig;
  auto& session = rig.chamber.session();
  Rig::ok(rig.go(session.write("LLIM 130")));  // ULIM is 125
  Rig::ok(rig.go(session.write("SETN 3")));    // only 0, 1, 2
  CHECK(queued_codes(rig) == std::vector<int>{-221, -222});
  CHECK(Rig::ok(rig.go(session.query("LLIM?"))) == "-40.0");
  CHECK(Rig::ok(rig.go(session.query("SETN?"))) == "0");
}

TEST_CASE("the thermal chamber operation status shows settling until the chamber is at temperature") {
  Rig rig;
  auto settling = [&] { return (Rig::ok(rig.go(rig.chamber.session().query_int("STAT:OPER:COND?"))) & 2) != 0; };
  Rig::ok(rig.go(rig.chamber.set_soak_s(30.0)));
  Rig::ok(rig.go(rig.chamber.set_setpoint_c(-20.0)));
  CHECK(settling());
  const double air = Rig::ok(rig.go(wait_air_near(rig.chamber, -20.0, 0.5, 20s)));
  CHECK(air == Approx(-20.0).margin(0.5));
  REQUIRE(Rig::ok(rig.go(wait_at_temperature(rig.chamber, 20s))));
  CHECK_FALSE(settling());
}

TEST_CASE("a thermal chamber found at a setpoint outside the station limits is moved to the safe temperature") {
  Rig rig;
  InstrumentConfig unlimited = chamber_config();
  unlimited.limits.clear();
  auto other = test::make_driver(rig.io, unlimited, rig.port);
  Rig::ok(rig.go(other->initialize()));  // ULIM back to the model's 225
  Rig::ok(rig.go(dynamic_cast<ThermalChamber&>(*other).set_setpoint_c(128.0)));
  REQUIRE(rig.bench().chamber_setpoint_c() == Approx(128.0));

  auto limited = test::make_driver(rig.io, chamber_config(), rig.port);
  Rig::ok(rig.go(limited->initialize()));
  CHECK(rig.bench().chamber_setpoint_c() == Approx(30.0));
  CHECK(limited->settings()["setpoint_c"] == 30.0);
  CHECK(Rig::ok(rig.go(rig.chamber.session().query("ULIM?"))) == "125.0");
}

TEST_CASE("a thermal chamber safe temperature outside its limits is refused, not clamped, and nothing is sent") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber.set_setpoint_c(80.0)));
  // A config the registry would refuse (next test), on a driver made around it: safe_state
  // used to clamp 1000 C to 125 C quietly and report success.
  InstrumentConfig hot = chamber_config();
  hot.options["safe_temperature_c"] = 1000;
  auto link = io::make_link(*io::parse_address(fmt::format("tcp://127.0.0.1:{}", rig.port)), rig.io.get_executor());
  ThermalChamber driver(hot, std::make_unique<scpi::Session>("chamber", std::move(*link), hot.session),
                        *find_thermal_chamber_dialect("thermostream"));
  Rig::ok(rig.go(driver.attach()));
  auto st = rig.go(driver.safe_state());
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::limit);
  CHECK(st.error().instrument == "chamber");
  CHECK_THAT(st.error().message, Catch::Contains("setpoint_c 1000 is outside the thermostream range"));
  CHECK(rig.bench().chamber_setpoint_c() == Approx(80.0));
  for (double nan_or_inf : {std::nan(""), std::numeric_limits<double>::infinity()}) {
    auto window = rig.go(rig.chamber.set_window_c(nan_or_inf));
    REQUIRE_FALSE(window);
    CHECK(window.error().code == Errc::invalid_argument);
    CHECK(window.error().command == "WNDW {window:.1f}");
    CHECK_FALSE(rig.go(rig.chamber.set_soak_s(nan_or_inf)));
    CHECK_FALSE(rig.go(rig.chamber.set_ramp_c_per_min(nan_or_inf)));
  }
}

TEST_CASE("the registry refuses a thermal chamber whose safe temperature lies outside its limits, naming the key") {
  InstrumentConfig hot = chamber_config();
  hot.options["safe_temperature_c"] = 1000;
  asio::io_context io;
  auto link = io::make_link(*io::parse_address("tcp://127.0.0.1:9"), io.get_executor());
  auto made = DriverRegistry::instance().make(hot, std::make_unique<scpi::Session>("chamber", std::move(*link), hot.session));
  REQUIRE_FALSE(made);
  CHECK_THAT(made.error().message,
             Catch::Contains("chamber: options.safe_temperature_c: 1000 C is outside the chamber's range [-40, 125]"));
}

TEST_CASE("the thermal chamber's capabilities: a DUT probe on the ThermoStream, none on the F4T, the station's setpoint range") {
  Rig stream;
  const auto caps = stream.chamber.capabilities();
  CHECK(caps.kind == "thermal_chamber");
  CHECK(caps.dut_probe);
  CHECK(caps.at_temperature_flag);
  REQUIRE(caps.setpoint_c);
  CHECK(caps.setpoint_c->lo == -40);
  CHECK(caps.setpoint_c->hi == 125);

  Rig f4t(chamber_config("watlow-f4t"));
  const auto watlow = f4t.chamber.capabilities();
  CHECK(watlow.driver == "watlow-f4t");
  CHECK_FALSE(watlow.dut_probe);
  CHECK_FALSE(watlow.at_temperature_flag);
}
