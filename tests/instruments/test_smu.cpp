// The source-measure unit driver against its simulated twin over loopback TCP: each lane's
// forward voltage is the diode model's at the bench's junction temperature, the current it
// sources lights the array the power meter reads, and the station's limits refuse what is
// beyond them before anything is sent.
#include "instruments/power_meter/power_meter.hpp"
#include "instruments/sim/diode_model.hpp"
#include "instruments/smu/smu.hpp"
#include "tests/support/checks.hpp"
#include "tests/support/sim_station.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>

using namespace ledlab;
using instruments::InstrumentConfig;
using instruments::Smu;
namespace asio = boost::asio;
using test::require_ok;
using test::small_array;

namespace {

InstrumentConfig smu_config(std::string driver = "ledlab-smu") {
  auto c = test::instrument_config("smu1", "smu", std::move(driver));
  c.limits = {{"max_current_a", 0.02}, {"max_compliance_v", 8}, {"max_compliance_a", 0.02}};
  c.options = {{"compliance_v", 5}, {"compliance_a", 1e-3}};
  return c;
}

struct Rig {
  test::SimStation station;
  asio::io_context io;
  std::unique_ptr<instruments::Instrument> owner;
  Smu* smu = nullptr;

  explicit Rig(const InstrumentConfig& config = smu_config()) : station(small_array()) {
    // ledlab's array twin in every case, answering the *IDN? of the model the driver expects.
    InstrumentConfig twin = smu_config();
    twin.driver = config.driver;
    owner = test::make_driver(io, config, station.serve_twin(twin));
    smu = dynamic_cast<Smu*>(owner.get());
    REQUIRE(smu != nullptr);
    require_ok(run(smu->initialize()));
  }
  template <class T>
  T run(asio::awaitable<T> op) {
    return test::run(io, std::move(op));
  }
  // The forward voltage the model gives lane `lane` at `current_a` and the bench's junction now.
  double model_voltage(std::size_t lane, double current_a) const {
    const auto& b = *station.bench();
    return sim::diode_voltage_v(sim::diode_params(b.config().diode, b.config().seed, lane), current_a,
                                station.bench()->junction_temperature_c());
  }
};

void require_refused(const Status& st, Errc code, const std::string& needle) {
  REQUIRE_FALSE(st);
  CHECK(st.error().code == code);
  CHECK(st.error().instrument == "smu1");
  CHECK_FALSE(st.error().command.empty());
  CHECK_THAT(st.error().describe(), Catch::Contains(needle));
}

}  // namespace

TEST_CASE("smu: the driver initialises with a channel per lane and every output off") {
  Rig rig;
  REQUIRE(rig.smu->identity());
  CHECK(rig.smu->identity()->model == "SMU-ARRAY-SIM");
  CHECK(rig.smu->channel_count() == 32);
  CHECK_FALSE(rig.station.bench()->drive().output_on);
  auto r = rig.run(rig.smu->measure(1));
  require_ok(r);
  CHECK(r->voltage_v == 0);
  CHECK(r->current_a == 0);
}

TEST_CASE("smu: each lane's forward voltage is its diode's at the bench's junction, and the current lights the array") {
  Rig rig;
  require_ok(rig.run(rig.smu->source_current_all_a(5e-3)));
  require_ok(rig.run(rig.smu->set_output_all(true)));
  auto all = rig.run(rig.smu->measure_all());
  require_ok(all);
  REQUIRE(all->size() == 32);
  double lo = 1e9, hi = 0;
  for (std::size_t lane = 0; lane < all->size(); ++lane) {
    // Within 5 sigma of the reading noise ([bench.diode]: 0.3 mV, 1e-4 of the current).
    CHECK((*all)[lane].current_a == Approx(5e-3).epsilon(5e-4));
    CHECK((*all)[lane].voltage_v == Approx(rig.model_voltage(lane, 5e-3)).margin(1.5e-3));
    lo = std::min(lo, (*all)[lane].voltage_v);
    hi = std::max(hi, (*all)[lane].voltage_v);
  }
  CHECK(lo > 2.8);
  CHECK(hi < 4.0);
  CHECK(hi > lo);  // lanes spread
  // One channel measured alone agrees with the list.
  auto one = rig.run(rig.smu->measure(7));
  require_ok(one);
  CHECK(one->voltage_v == Approx((*all)[6].voltage_v).margin(3e-3));
  // The bench carries the current: the meter's light comes from the same operating point.
  CHECK(rig.station.bench()->drive().output_on);
  CHECK(rig.station.bench()->drive().bias_current_a == Approx(5e-3));
  CHECK(rig.station.bench()->lane_optical_power_w(0) > 0);
}

TEST_CASE("smu: the forward voltage falls about 2 mV per kelvin and rises with current through the series resistance") {
  const sim::DiodeParams d = sim::median_diode_params(sim::DiodeConfig{});
  const double v25 = sim::diode_voltage_v(d, 1e-3, 25), v85 = sim::diode_voltage_v(d, 1e-3, 85);
  CHECK((v85 - v25) / 60 == Approx(-2e-3).margin(0.7e-3));
  CHECK(v25 == Approx(2.65 + 1e-3 * 100).margin(1e-6));  // V_j(1 mA) + I R_s
  // Closed form of the forward branch (shunt negligible): V = n V_t ln(1 + I / I0) + I R_s.
  const double vt = 8.617333262e-5 * (25 + 273.15);
  const double i0 = sim::saturation_current_a(d, 25);
  CHECK(sim::diode_voltage_v(d, 5e-3, 25) == Approx(2 * vt * std::log1p(5e-3 / i0) + 5e-3 * 100).epsilon(1e-7));  // the shunt takes ~1e-6 of the current
  // Voltage and current source agree: I(V(I)) = I.
  for (double i : {1e-6, 1e-3, 1e-2, -1e-9})
    CHECK(sim::diode_current_a(d, sim::diode_voltage_v(d, i, 60), 60) == Approx(i).epsilon(1e-6));
}

TEST_CASE("smu: reverse bias leaks through the shunt resistance of each lane") {
  Rig rig;
  require_ok(rig.run(rig.smu->source_voltage_all_v(-4.0)));
  require_ok(rig.run(rig.smu->set_output_all(true)));
  auto all = rig.run(rig.smu->measure_all());
  require_ok(all);
  const auto& b = *rig.station.bench();
  for (std::size_t lane = 0; lane < all->size(); ++lane) {
    const auto d = sim::diode_params(b.config().diode, b.config().seed, lane);
    CHECK((*all)[lane].voltage_v == Approx(-4.0).margin(1.5e-3));
    CHECK((*all)[lane].current_a == Approx(-4.0 / d.shunt_resistance_ohm).epsilon(1e-3));
  }
  CHECK_FALSE(rig.station.bench()->drive().output_on);  // no forward current: no light
}

TEST_CASE("smu: a lane sourced beyond its compliance stops at the compliance voltage") {
  Rig rig;
  require_ok(rig.run(rig.smu->set_compliance_v(3.0)));
  require_ok(rig.run(rig.smu->source_current_a(1, 0.015)));
  require_ok(rig.run(rig.smu->set_output(1, true)));
  auto r = rig.run(rig.smu->measure(1));
  require_ok(r);
  CHECK(r->voltage_v == Approx(3.0).margin(1.5e-3));
  CHECK(r->current_a < 0.015);
  CHECK(r->current_a > 0);
}

TEST_CASE("smu: currents, voltages and compliances beyond the station's limits are refused and never sent") {
  Rig rig;
  require_refused(rig.run(rig.smu->source_current_all_a(0.021)), Errc::limit, "max_current_a");
  require_refused(rig.run(rig.smu->source_current_a(3, -0.03)), Errc::limit, "max_current_a");
  require_refused(rig.run(rig.smu->source_current_a(3, std::numeric_limits<double>::quiet_NaN())), Errc::invalid_argument,
                  "not a finite number");
  require_refused(rig.run(rig.smu->source_voltage_v(2, -5.5)), Errc::limit, "compliance voltage 5");
  require_refused(rig.run(rig.smu->source_voltage_all_v(std::numeric_limits<double>::infinity())), Errc::invalid_argument,
                  "not a finite number");
  require_refused(rig.run(rig.smu->set_compliance_v(9)), Errc::limit, "max_compliance_v");
  require_refused(rig.run(rig.smu->set_compliance_v(std::numeric_limits<double>::quiet_NaN())), Errc::invalid_argument, "");
  require_refused(rig.run(rig.smu->set_compliance_a(0.5)), Errc::limit, "max_compliance_a");
  require_refused(rig.run(rig.smu->source_current_a(33, 1e-3)), Errc::invalid_argument, "channel 33");
  // Nothing reached the twin: still 5 V compliance and 0 A on every channel.
  auto v = rig.run(rig.smu->session().query_double(":SENS3:VOLT:PROT?"));
  require_ok(v);
  CHECK(*v == 5);
  auto i = rig.run(rig.smu->session().query_double(":SOUR3:CURR?"));
  require_ok(i);
  CHECK(i.value() == 0);
  CHECK_FALSE(rig.station.bench()->drive().output_on);
}

TEST_CASE("smu: the safe state switches every output off and takes the drive off the bench") {
  Rig rig;
  require_ok(rig.run(rig.smu->source_current_all_a(2e-3)));
  require_ok(rig.run(rig.smu->set_output_all(true)));
  REQUIRE(rig.station.bench()->drive().output_on);
  require_ok(rig.run(rig.smu->safe_state()));
  CHECK_FALSE(rig.station.bench()->drive().output_on);
  for (int ch : {1, 17, 32}) {
    auto on = rig.run(rig.smu->session().query_int(fmt::format(":OUTP{}?", ch)));
    require_ok(on);
    CHECK(*on == 0);
  }
}

TEST_CASE("smu: the Keithley 2400, Keithley 2450 and Keysight B2900 dialects drive the twin's first channel") {
  for (const char* driver : {"keithley2400", "keithley2450", "b2900"}) {
    INFO(driver);
    Rig rig(smu_config(driver));
    CHECK(rig.smu->channel_count() == 1);
    require_ok(rig.run(rig.smu->set_compliance_v(6)));
    require_ok(rig.run(rig.smu->source_current_a(1, 1e-3)));
    require_ok(rig.run(rig.smu->set_output(1, true)));
    auto r = rig.run(rig.smu->measure(1));
    require_ok(r);
    CHECK(r->current_a == Approx(1e-3).epsilon(5e-4));
    CHECK(r->voltage_v == Approx(rig.model_voltage(0, 1e-3)).margin(1.5e-3));
    auto limit = rig.run(rig.smu->session().query_double(":SENS1:VOLT:PROT?"));
    require_ok(limit);
    CHECK(*limit == 6);
  }
}

TEST_CASE("smu: a station entry without its three limits, or with a one-channel model on several lanes, is refused") {
  const auto& reg = instruments::DriverRegistry::instance();
  const auto* info = reg.find("smu", "ledlab-smu");
  REQUIRE(info != nullptr);
  auto c = smu_config();
  CHECK_FALSE(instruments::check_settings(*info, c));
  c.limits.erase("max_compliance_a");
  auto p = instruments::check_settings(*info, c);
  REQUIRE(p);
  CHECK(p->key == "max_compliance_a");
  c = smu_config();
  c.options["compliance_v"] = 9;
  p = instruments::check_settings(*info, c);
  REQUIRE(p);
  CHECK(p->key == "compliance_v");
  c = smu_config("keithley2400");
  c.options["channels"] = 4;
  p = instruments::check_settings(*info, c);
  REQUIRE(p);
  CHECK(p->key == "channels");
  c = smu_config();
  c.limits["max_current_a"] = std::numeric_limits<double>::quiet_NaN();
  CHECK(instruments::check_settings(*info, c));
}

TEST_CASE("smu: readings carry the configured noise, each reading its own draw, and none with the noise off") {
  const auto spread = [](sim::BenchConfig config) {
    test::SimStation station(config);
    asio::io_context io;
    auto owner = test::make_driver(io, smu_config(), station.serve_twin(smu_config()));
    auto* smu = dynamic_cast<Smu*>(owner.get());
    require_ok(test::run(io, smu->initialize()));
    require_ok(test::run(io, smu->source_current_a(1, 1e-3)));
    require_ok(test::run(io, smu->set_output(1, true)));
    double lo = 1e9, hi = -1e9, sum = 0, sum2 = 0;
    constexpr int kReadings = 200;
    for (int k = 0; k < kReadings; ++k) {
      auto r = test::run(io, smu->measure(1));
      require_ok(r);
      lo = std::min(lo, r->voltage_v), hi = std::max(hi, r->voltage_v);
      sum += r->voltage_v, sum2 += r->voltage_v * r->voltage_v;
    }
    const double mean = sum / kReadings;
    return std::pair{hi - lo, std::sqrt(std::max(sum2 / kReadings - mean * mean, 0.0))};
  };
  auto quiet = small_array();
  quiet.diode.voltage_noise_v = 0;
  quiet.diode.current_noise_relative = 0;
  CHECK(spread(quiet).first == 0);
  const auto [range, sigma] = spread(small_array());
  CHECK(range > 0);
  CHECK(sigma == Approx(300e-6).epsilon(0.25));  // 200 readings: sigma known to about 10 %
}
