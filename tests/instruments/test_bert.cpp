// The BERT driver against its simulated twin over loopback TCP, the twin over the shared bench.
#include "instruments/bert/bert.hpp"
#include "tests/support/checks.hpp"
#include "tests/support/sim_station.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <string>

using namespace ledlab;
using instruments::Bert;
using instruments::BerCount;
using instruments::InstrumentConfig;
namespace asio = boost::asio;
using test::require_ok;
using test::small_array;

namespace {

constexpr double kBitRate = 2e9;

InstrumentConfig bert_config(std::string driver = "ledlab-bert") {
  return test::instrument_config("bert1", "bert", std::move(driver));
}

// A station with one BERT twin and its driver, initialised.
struct Rig {
  test::SimStation station;
  asio::io_context io;
  std::unique_ptr<instruments::Instrument> owner;
  Bert* bert = nullptr;

  explicit Rig(const InstrumentConfig& config = bert_config(), const sim::BenchConfig& bench = small_array())
      : station(bench) {
    owner = test::make_driver(io, config, station.serve_twin(config));
    bert = dynamic_cast<Bert*>(owner.get());
    REQUIRE(bert != nullptr);
    require_ok(run(bert->initialize()));
  }

  template <class T>
  T run(asio::awaitable<T> op) {
    return test::run(io, std::move(op));
  }
  // What the pattern generator twin would set: the same drive on every emitter.
  void drive(double bias_a, double modulation_a, bool on = true) {
    require_ok(station.bench()->set_drive({bias_a, modulation_a, 1e6, on}));
  }
  double query_double(const std::string& command) {
    auto v = run(bert->session().query_double(command));
    require_ok(v);
    return *v;
  }
  std::vector<BerCount> gate_bits(std::uint64_t bits) {
    require_ok(run(bert->set_gate_bits(bits)));
    require_ok(run(bert->start_gate()));
    require_ok(run(bert->wait_gate()));
    auto all = run(bert->read_all());
    require_ok(all);
    return *all;
  }
};

}  // namespace

TEST_CASE("bert: the driver initialises against its twin: identity, lane count and settings") {
  Rig rig;
  REQUIRE(rig.bert->identity());
  CHECK(rig.bert->identity()->model == "SIM-BERT");
  CHECK(rig.bert->lane_count() == 32);
  require_ok(rig.run(rig.bert->set_bit_rate_hz(3e9)));
  require_ok(rig.run(rig.bert->set_pattern(instruments::Prbs::prbs15)));
  CHECK(rig.query_double("SOUR9:FREQ?") == 3e9);
  CHECK(rig.station.bench()->bert().bit_rate_hz == 3e9);
  CHECK(rig.station.bench()->bert().prbs_order == 15);
  auto detector = rig.run(rig.bert->session().query("SENS1:PATT:SEL?"));
  REQUIRE(detector);
  CHECK(*detector == "PRBS15");
  CHECK(rig.bert->settings()["pattern"] == "PRBS15");
}

TEST_CASE("bert: a gate of N bits returns exactly N bits per lane and errors consistent with the bench's BER") {
  Rig rig;
  rig.drive(5e-3, 1e-3);  // an eye open enough to sync, noisy enough to count errors
  constexpr std::uint64_t kBits = 2'000'000;
  const auto counts = rig.gate_bits(kBits);
  REQUIRE(counts.size() == 32);
  double expected_total = 0, counted_total = 0;
  for (std::size_t lane = 0; lane < counts.size(); ++lane) {
    INFO("lane " << lane + 1);
    CHECK(counts[lane].bits == kBits);
    const double mean = rig.station.bench()->ber(lane) * static_cast<double>(kBits);
    // Poisson: 6 sigma either side.
    CHECK(std::abs(static_cast<double>(counts[lane].errors) - mean) <= 6 * std::sqrt(mean) + 2);
    CHECK(counts[lane].ber == Approx(static_cast<double>(counts[lane].errors) / kBits));
    expected_total += mean;
    counted_total += static_cast<double>(counts[lane].errors);
  }
  REQUIRE(expected_total > 1000);  // the check above compares real counts, not zeros
  CHECK(counted_total == Approx(expected_total).epsilon(0.02));
  auto running = rig.run(rig.bert->gate_running());
  require_ok(running);
  CHECK_FALSE(*running);
}

TEST_CASE("bert: all-lane block reads equal the per-lane reads") {
  Rig rig;
  rig.drive(5e-3, 1e-3);
  const auto all = rig.gate_bits(1'000'000);
  auto amplitudes = rig.run(rig.bert->read_amplitudes_w());
  require_ok(amplitudes);
  REQUIRE(amplitudes->size() == 32);
  bool some_light = false;
  for (int lane = 1; lane <= 32; ++lane) {
    INFO("lane " << lane);
    auto one = rig.run(rig.bert->read_lane(lane));
    require_ok(one);
    CHECK(one->errors == all[lane - 1].errors);
    CHECK(one->bits == all[lane - 1].bits);
    auto ratio = rig.run(rig.bert->read_error_ratio(lane));
    require_ok(ratio);
    CHECK(*ratio == Approx(all[lane - 1].ber).epsilon(1e-8));
    auto amplitude = rig.run(rig.bert->read_amplitude_w(lane));
    require_ok(amplitude);
    // Each reading draws its own noise (1 % by default): the two agree within it.
    CHECK(*amplitude == Approx((*amplitudes)[lane - 1]).epsilon(0.08).margin(1e-10));
    some_light = some_light || *amplitude > 1e-9;
  }
  CHECK(some_light);
  auto bad_lane = rig.run(rig.bert->read_lane(33));
  REQUIRE_FALSE(bad_lane);
  CHECK(bad_lane.error().code == Errc::invalid_argument);
}

TEST_CASE("bert: counts grow while a time gate runs and *OPC? answers when it has ended") {
  Rig rig;
  rig.drive(5e-3, 2e-3);
  require_ok(rig.run(rig.bert->set_gate_time_s(0.25)));
  require_ok(rig.run(rig.bert->start_gate()));
  auto running = rig.run(rig.bert->gate_running());
  require_ok(running);
  CHECK(*running);
  // Poll until the first bits show, with a deadline instead of a sleep.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  BerCount partial;
  do {
    auto c = rig.run(rig.bert->read_lane(1));
    require_ok(c);
    partial = *c;
  } while (partial.bits == 0 && std::chrono::steady_clock::now() < deadline);
  CHECK(partial.bits > 0);
  CHECK(partial.bits < 500'000'000);
  require_ok(rig.run(rig.bert->wait_gate()));
  running = rig.run(rig.bert->gate_running());
  require_ok(running);
  CHECK_FALSE(*running);
  auto done = rig.run(rig.bert->read_lane(1));
  require_ok(done);
  CHECK(done->bits == 500'000'000);  // 0.25 s at 2 Gb/s, exactly
}

TEST_CASE("bert: with the pattern generator's output off the twin sees loss of signal") {
  Rig rig;
  rig.drive(5e-3, 2e-3, false);
  constexpr std::uint64_t kBits = 1'000'000;
  for (const auto& c : rig.gate_bits(kBits)) {
    CHECK(c.bits == kBits);
    CHECK(c.ber == Approx(0.5).margin(0.01));
  }
  const auto ques = static_cast<long long>(rig.query_double("STAT:QUES:COND?"));
  CHECK((ques & (1 << 9)) != 0);
}

TEST_CASE("bert: a detector on another PRBS than the generator never synchronises") {
  Rig rig;
  rig.drive(5e-3, 2e-3);
  require_ok(rig.run(rig.bert->session().write_checked("SENS1:PATT:SEL PRBS7")));
  for (const auto& c : rig.gate_bits(100'000)) CHECK(c.errors == 50'000);
  require_ok(rig.run(rig.bert->set_pattern(instruments::Prbs::prbs31)));  // the driver sets both
  for (const auto& c : rig.gate_bits(100'000)) CHECK(c.errors < 50'000);
}

TEST_CASE("bert: a bit rate above the station limit is refused in the driver and nothing is sent") {
  InstrumentConfig config = bert_config();
  config.limits["max_bit_rate_hz"] = 4e9;
  Rig rig(config);
  auto refused = rig.run(rig.bert->set_bit_rate_hz(8e9));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::limit);
  CHECK(refused.error().instrument == "bert1");
  CHECK(rig.query_double("SOUR9:FREQ?") == kBitRate);
  CHECK(rig.station.bench()->bert().bit_rate_hz == kBitRate);
  CHECK(rig.bert->bit_rate_hz() == kBitRate);
  require_ok(rig.run(rig.bert->set_bit_rate_hz(4e9)));  // at the limit is allowed
  CHECK(rig.station.bench()->bert().bit_rate_hz == 4e9);
}

TEST_CASE("bert: settings do not change under a running gate, but re-sending the same value is accepted") {
  Rig rig;
  rig.drive(5e-3, 2e-3);
  require_ok(rig.run(rig.bert->set_gate_time_s(100)));
  require_ok(rig.run(rig.bert->start_gate()));
  auto conflict = rig.run(rig.bert->set_gate_time_s(5));
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == Errc::instrument);
  CHECK(conflict.error().scpi_code == -221);
  require_ok(rig.run(rig.bert->reapply_settings()));  // the driver re-applies after a reconnect
  auto running = rig.run(rig.bert->gate_running());
  require_ok(running);
  CHECK(*running);
  require_ok(rig.run(rig.bert->safe_state()));
  running = rig.run(rig.bert->gate_running());
  require_ok(running);
  CHECK_FALSE(*running);
}

TEST_CASE("bert: bad SCPI sent to the twin queues its standard code and the connection stays up") {
  Rig rig;
  auto& s = rig.bert->session();
  const auto first_error = [&](const std::string& command) { return test::sole_error(rig.io, s, command); };
  CHECK(first_error("SENS1:GATE:MANN ERRORS") == -224);
  CHECK(first_error("SOUR9:FREQ 99GHZ") == -222);
  CHECK(first_error("SOUR1:FREQ 2GHZ") == -114);  // the clock is SOURce9
  CHECK(first_error("SENS1:GATE:BITS many") == -104);
  CHECK(first_error("SENS33:GATE:PER 1") == -114);  // 32 lanes
  CHECK(first_error("SENS1:GATE:PER 1 PARSEC") == -131);
  CHECK(first_error("FETC:SENS1:BOGUS?") == -113);
  auto id = rig.run(s.identify());
  require_ok(id);
  CHECK(id->model == "SIM-BERT");
  require_ok(rig.run(rig.bert->set_gate_bits(1000)));
}

TEST_CASE("bert: a dropped connection fails the call as disconnected, and the next call reconnects") {
  Rig rig;
  require_ok(rig.run(rig.bert->session().write("SIM:FAULT:DROP 0")));
  auto dropped = rig.run(rig.bert->gate_running());
  REQUIRE_FALSE(dropped);
  CHECK(dropped.error().code == Errc::disconnected);
  CHECK(dropped.error().instrument == "bert1");
  auto again = rig.run(rig.bert->gate_running());
  require_ok(again);
  CHECK_FALSE(*again);
  require_ok(rig.run(rig.bert->set_bit_rate_hz(2.5e9)));
  CHECK(rig.station.bench()->bert().bit_rate_hz == 2.5e9);
}

TEST_CASE("bert: a stalled reply times out naming the instrument and the command") {
  InstrumentConfig config = bert_config();
  config.session.timeout = std::chrono::milliseconds(300);
  Rig rig(config);
  require_ok(rig.run(rig.bert->session().write("SIM:FAULT:STALL 3,1")));
  const auto start = std::chrono::steady_clock::now();
  auto stalled = rig.run(rig.bert->read_lane(1));
  REQUIRE_FALSE(stalled);
  CHECK(stalled.error().code == Errc::timeout);
  CHECK(stalled.error().instrument == "bert1");
  CHECK(stalled.error().command == "FETC:SENS1:ECO?");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  auto next = rig.run(rig.bert->read_lane(1));
  require_ok(next);
}

TEST_CASE("bert: the N4903B dialect gates lane 1 by time and refuses gates by bits") {
  Rig rig(bert_config("n4903b"));
  CHECK(rig.bert->lane_count() == 1);
  rig.drive(5e-3, 2e-3);
  require_ok(rig.run(rig.bert->set_gate_time_s(0.0009765625)));
  require_ok(rig.run(rig.bert->start_gate()));
  require_ok(rig.run(rig.bert->wait_gate()));
  auto all = rig.run(rig.bert->read_all());
  require_ok(all);
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].bits == 1'953'125);  // 2^-10 s at 2 Gb/s
  auto bits = rig.run(rig.bert->set_gate_bits(1000));
  REQUIRE_FALSE(bits);
  CHECK(bits.error().code == Errc::invalid_argument);
}

TEST_CASE("bert: capabilities say what each dialect can do: lanes from the instrument, bits gate, bulk reads") {
  Rig multi;
  const auto caps = multi.bert->capabilities();
  CHECK(caps.kind == "bert");
  CHECK(caps.driver == "ledlab-bert");
  CHECK(caps.channels == static_cast<int>(multi.station.bench()->lane_count()));  // SYST:LANE:COUN?, not the option
  CHECK(caps.gate_by_bits);
  CHECK(caps.gate_by_time);
  CHECK(caps.bulk_read);
  CHECK(caps.amplitude);

  Rig single(bert_config("n4903b"));
  const auto n4903b = single.bert->capabilities();
  CHECK(n4903b.driver == "n4903b");
  CHECK(n4903b.channels == 1);
  CHECK_FALSE(n4903b.gate_by_bits);
  CHECK(n4903b.gate_by_time);
  CHECK_FALSE(n4903b.bulk_read);
  CHECK_FALSE(n4903b.amplitude);
}
