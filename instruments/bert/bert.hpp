#pragma once
// Bit error ratio tester with one error detector per lane of the array under test (lane n is
// array channel n, 1-based, row-major). All lanes share the bit rate, the PRBS and the gate:
// a gate starts and ends on every lane at once, as on a multi-lane CPO BERT.
// One driver class serves every model; the model's SCPI dialect is a table (dialects.cpp).
#include "instruments/common/instrument.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

enum class Prbs { prbs7 = 7, prbs15 = 15, prbs23 = 23, prbs31 = 31 };
std::string_view to_string(Prbs pattern);  // "PRBS31"
std::optional<Prbs> prbs_from_order(int order);

// What ends a gate: a fixed time, or a fixed number of compared bits per lane.
enum class GateMode { time, bits };
std::string_view to_string(GateMode mode);

// Counts of one lane over the last (or running) gate.
struct BerCount {
  std::uint64_t errors = 0;
  std::uint64_t bits = 0;
  double ber = 0;  // errors / bits; NaN before any bit was compared
};

// Command formats of one BERT model. {lane} is the lane (1-based), {hz}/{s}/{n}/{pattern}
// values. An empty format means the model lacks the feature; the driver then falls back (one
// query per lane instead of a block) or refuses with Errc::invalid_argument.
struct BertDialect {
  std::string_view driver;  // station file name: driver = "ledlab-bert"
  std::string_view description;
  // The *IDN? replies the dialect serves, and where that comes from (dialect_identity.hpp).
  DialectIdentity identity{};
  std::string_view lane_count;        // query, or empty: from config option "lanes"
  std::string_view set_bit_rate;      // "SOUR9:FREQ {hz}"
  std::string_view set_source_pattern;  // "SOUR1:PATT:SEL {pattern}"
  std::string_view set_sense_pattern;   // "SENS1:PATT:SEL {pattern}"
  std::string_view set_gate_time;     // mode and period: "SENS1:GATE:MANN TIME;PER {s}"
  std::string_view set_gate_bits;     // mode and count: "SENS1:GATE:MANN BITS;BITS {n}"
  std::string_view gate_on;           // "SENS1:GATE:STAT ON"
  std::string_view gate_off;
  std::string_view gate_state;        // query: 1 while the gate runs
  std::string_view read_errors;       // "FETC:SENS{lane}:ECO?"
  std::string_view read_bits;         // "FETC:SENS{lane}:BCO?"
  std::string_view read_ratio;        // "FETC:SENS{lane}:ERAT?"
  std::string_view read_amplitude;    // "FETC:SENS{lane}:AMPL?" received modulation amplitude, W
  std::string_view read_all_errors;   // block of little-endian uint64, one per lane
  std::string_view read_all_bits;     // block of little-endian uint64
  std::string_view read_all_amplitudes;  // block of little-endian float64, W
};

const BertDialect* find_bert_dialect(std::string_view driver);
std::vector<std::string> bert_dialect_names();

class Bert : public Instrument {
 public:
  Bert(InstrumentConfig config, std::unique_ptr<scpi::Session> session, const BertDialect& dialect);

  int lane_count() const { return lanes_; }
  double bit_rate_hz() const { return bit_rate_hz_; }
  Prbs pattern() const { return pattern_; }
  GateMode gate_mode() const { return gate_mode_; }
  double gate_time_s() const { return gate_time_s_; }
  std::uint64_t gate_bits() const { return gate_bits_; }

  // Reads the lane count, then sends every setting (reapply_settings).
  boost::asio::awaitable<Status> attach() override;
  boost::asio::awaitable<Status> initialize() override;

  // Station limits "min_bit_rate_hz" / "max_bit_rate_hz".
  boost::asio::awaitable<Status> set_bit_rate_hz(double bit_rate_hz);
  // Generator and detector both: a detector on another PRBS than the source never syncs.
  boost::asio::awaitable<Status> set_pattern(Prbs pattern);
  // Station limit "max_gate_time_s".
  boost::asio::awaitable<Status> set_gate_time_s(double seconds);
  // 1 .. kMaxGateBits (a count a double still holds exactly; the ledlab-bert's own maximum).
  static constexpr std::uint64_t kMaxGateBits = 9'000'000'000'000'000;
  boost::asio::awaitable<Status> set_gate_bits(std::uint64_t bits);

  // Clears the counts of every lane and starts the gate.
  boost::asio::awaitable<Status> start_gate();
  boost::asio::awaitable<Status> stop_gate();
  boost::asio::awaitable<Result<bool>> gate_running();
  // Returns once the gate has ended (*OPC?, bounded by the session's opc_timeout: poll
  // gate_running() instead for gates longer than that).
  boost::asio::awaitable<Status> wait_gate();

  boost::asio::awaitable<Result<BerCount>> read_lane(int lane);
  // Every lane at once: one block per quantity where the model has it. Index 0 is lane 1.
  boost::asio::awaitable<Result<std::vector<BerCount>>> read_all();
  // The instrument's own ratio (FETC:ERAT?), for models without counts.
  boost::asio::awaitable<Result<double>> read_error_ratio(int lane);
  // Optical modulation amplitude reaching the lane's receiver, in watts.
  boost::asio::awaitable<Result<double>> read_amplitude_w(int lane);
  boost::asio::awaitable<Result<std::vector<double>>> read_amplitudes_w();

  // Stops the gate (the counts stay readable).
  boost::asio::awaitable<Status> safe_state() override;
  boost::asio::awaitable<Result<std::string>> sample_reading() override;
  Capabilities capabilities() const override;

 private:
  boost::asio::awaitable<Status> send(std::string_view format, std::string_view what);
  boost::asio::awaitable<Status> apply_bit_rate();
  boost::asio::awaitable<Status> apply_pattern();
  boost::asio::awaitable<Status> apply_gate();
  boost::asio::awaitable<Result<std::vector<std::uint64_t>>> read_counts_block(std::string_view command);
  Status check_lane(int lane, std::string_view command) const;
  std::string format(std::string_view format, int lane = 1) const;

  const BertDialect& dialect_;
  int lanes_ = 1;
  double bit_rate_hz_;
  Prbs pattern_ = Prbs::prbs31;
  GateMode gate_mode_ = GateMode::time;
  double gate_time_s_ = 1.0;
  std::uint64_t gate_bits_ = 1'000'000'000;
};

}  // namespace ledlab::instruments
