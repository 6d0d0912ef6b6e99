#include "instruments/bert/bert.hpp"

#include "instruments/common/dialect_table.hpp"
#include "instruments/common/registry.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

namespace ledlab::instruments {

namespace asio = boost::asio;

std::string_view to_string(Prbs pattern) {
  switch (pattern) {
    case Prbs::prbs7: return "PRBS7";
    case Prbs::prbs15: return "PRBS15";
    case Prbs::prbs23: return "PRBS23";
    case Prbs::prbs31: return "PRBS31";
  }
  return "PRBS31";
}

std::optional<Prbs> prbs_from_order(int order) {
  switch (order) {
    case 7: return Prbs::prbs7;
    case 15: return Prbs::prbs15;
    case 23: return Prbs::prbs23;
    case 31: return Prbs::prbs31;
    default: return std::nullopt;
  }
}

std::string_view to_string(GateMode mode) { return mode == GateMode::time ? "time" : "bits"; }

namespace {
// The instrument refused a setting (SCPI error): it kept the old one, so the driver does too.
// After a transport failure the new value stays, for reapply_settings to send.
bool refused(const Status& st) { return !st && st.error().code == Errc::instrument; }

BerCount make_count(std::uint64_t errors, std::uint64_t bits) {
  const double ber = bits == 0 ? std::numeric_limits<double>::quiet_NaN()
                               : static_cast<double>(errors) / static_cast<double>(bits);
  return {errors, bits, ber};
}
}  // namespace

Bert::Bert(InstrumentConfig config, std::unique_ptr<scpi::Session> session, const BertDialect& dialect)
    : Instrument(std::move(config), std::move(session)), dialect_(dialect),
      bit_rate_hz_(config_.option("bit_rate_hz", 2e9)) {
  lanes_ = static_cast<int>(config_.option("lanes", 1));
  if (auto p = prbs_from_order(static_cast<int>(config_.option("prbs_order", 31)))) pattern_ = *p;
  // Bit rate, pattern and gate set-up are re-sent; a gate is not restarted. A model that
  // cannot gate by bits keeps its own gate set-up until asked for one.
  auto& t = settings_table_;
  t.declare_value("driver", "", "", dialect_.driver);
  t.declare_value("lanes", "", "", lanes_);  // a fact, read at attach where the model reports it
  t.declare_value("bit_rate_hz", "Hz", dialect_.set_bit_rate, bit_rate_hz_, [this] { return apply_bit_rate(); });
  // One setting, two commands: the detector follows the generator's pattern.
  t.declare({"pattern", "", dialect_.set_source_pattern, [this] { return nlohmann::json(to_string(pattern_)); },
             [this] { return apply_pattern(); }});
  t.declare({"gate_mode", "", "", [this] { return nlohmann::json(to_string(gate_mode_)); }});
  t.declare_value("gate_time_s", "s", dialect_.set_gate_time, gate_time_s_, [this] { return apply_gate(); },
                  [this] { return gate_mode_ == GateMode::time; });
  t.declare_value("gate_bits", "", dialect_.set_gate_bits, gate_bits_, [this] { return apply_gate(); },
                  [this] { return gate_mode_ == GateMode::bits && !dialect_.set_gate_bits.empty(); });
}

std::string Bert::format(std::string_view f, int lane) const {
  // Every format gets every argument; each uses the ones it names.
  return fmt::format(fmt::runtime(f), fmt::arg("lane", lane), fmt::arg("hz", fmt::format("{:.12g}", bit_rate_hz_)),
                     fmt::arg("s", fmt::format("{:.12g}", gate_time_s_)), fmt::arg("n", gate_bits_),
                     fmt::arg("pattern", to_string(pattern_)));
}

asio::awaitable<Status> Bert::send(std::string_view f, std::string_view what) {
  if (f.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' cannot {}", dialect_.driver, what)));
  co_return co_await session_->write_checked(format(f));
}

asio::awaitable<Status> Bert::attach() {
  if (auto st = co_await Instrument::attach(); !st) co_return st;
  if (!dialect_.lane_count.empty()) {
    auto n = co_await session_->query_int(std::string(dialect_.lane_count));
    if (!n) co_return fail(n.error());
    if (*n < 1) co_return fail(error(Errc::protocol, fmt::format("reports {} lanes", *n), dialect_.lane_count));
    lanes_ = static_cast<int>(*n);
  }
  co_return Status{};
}

asio::awaitable<Status> Bert::initialize() {
  if (auto st = co_await Instrument::initialize(); !st) co_return st;
  co_return co_await reapply_settings();
}

asio::awaitable<Result<std::string>> Bert::sample_reading() {
  // The counts of the last gate as the instrument holds them; nothing is started or reset.
  auto all = co_await read_all();
  if (!all) co_return fail(all.error());
  std::uint64_t errors = 0, bits = 0, error_free = 0;
  for (const auto& c : *all) {
    errors += c.errors;
    bits += c.bits;
    error_free += (c.bits > 0 && c.errors == 0);
  }
  co_return fmt::format("last gate: {} lanes, {} bits per lane, {} error-free lanes, {} errors in all", all->size(),
                        all->empty() ? 0 : all->front().bits, error_free, errors);
}

Status Bert::check_lane(int lane, std::string_view command) const {
  if (lane < 1 || lane > lanes_)
    return fail(error(Errc::invalid_argument, fmt::format("lane {} is not 1..{}", lane, lanes_), command));
  return {};
}

asio::awaitable<Status> Bert::apply_bit_rate() { co_return co_await send(dialect_.set_bit_rate, "set the bit rate"); }

asio::awaitable<Status> Bert::apply_pattern() {
  if (auto st = co_await send(dialect_.set_source_pattern, "set the generator pattern"); !st) co_return st;
  co_return co_await send(dialect_.set_sense_pattern, "set the detector pattern");
}

asio::awaitable<Status> Bert::apply_gate() {
  if (gate_mode_ == GateMode::time) co_return co_await send(dialect_.set_gate_time, "gate by time");
  co_return co_await send(dialect_.set_gate_bits, "gate by a number of bits");
}

asio::awaitable<Status> Bert::set_bit_rate_hz(double bit_rate_hz) {
  if (!(bit_rate_hz > 0))
    co_return fail(error(Errc::invalid_argument, fmt::format("bit rate {} Hz must be > 0", bit_rate_hz)));
  if (auto st = check_limit("bit_rate_hz", bit_rate_hz, "min_bit_rate_hz", "max_bit_rate_hz"); !st) co_return st;
  const double before = bit_rate_hz_;
  bit_rate_hz_ = bit_rate_hz;
  auto st = co_await apply_bit_rate();
  if (refused(st)) bit_rate_hz_ = before;
  co_return st;
}

asio::awaitable<Status> Bert::set_pattern(Prbs pattern) {
  const Prbs before = pattern_;
  pattern_ = pattern;
  auto st = co_await apply_pattern();
  if (refused(st)) pattern_ = before;
  co_return st;
}

asio::awaitable<Status> Bert::set_gate_time_s(double seconds) {
  if (!(seconds > 0))
    co_return fail(error(Errc::invalid_argument, fmt::format("gate time {} s must be > 0", seconds)));
  if (auto st = check_limit("gate_time_s", seconds, "", "max_gate_time_s"); !st) co_return st;
  if (dialect_.set_gate_time.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' cannot gate by time", dialect_.driver)));
  const auto before = std::tuple{gate_mode_, gate_time_s_};
  gate_mode_ = GateMode::time;
  gate_time_s_ = seconds;
  auto st = co_await apply_gate();
  if (refused(st)) std::tie(gate_mode_, gate_time_s_) = before;
  co_return st;
}

asio::awaitable<Status> Bert::set_gate_bits(std::uint64_t bits) {
  if (bits == 0 || bits > kMaxGateBits)
    co_return fail(error(Errc::invalid_argument, fmt::format("a gate of {} bits is not 1..{}", bits, kMaxGateBits),
                         dialect_.set_gate_bits.substr(0, dialect_.set_gate_bits.find(' '))));
  if (dialect_.set_gate_bits.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' cannot gate by bits", dialect_.driver)));
  const auto before = std::tuple{gate_mode_, gate_bits_};
  gate_mode_ = GateMode::bits;
  gate_bits_ = bits;
  auto st = co_await apply_gate();
  if (refused(st)) std::tie(gate_mode_, gate_bits_) = before;
  co_return st;
}

asio::awaitable<Status> Bert::start_gate() { co_return co_await send(dialect_.gate_on, "start a gate"); }

asio::awaitable<Status> Bert::stop_gate() { co_return co_await send(dialect_.gate_off, "stop a gate"); }

asio::awaitable<Result<bool>> Bert::gate_running() {
  if (dialect_.gate_state.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' cannot report the gate", dialect_.driver)));
  auto v = co_await session_->query_int(std::string(dialect_.gate_state));
  if (!v) co_return fail(v.error());
  co_return *v != 0;
}

asio::awaitable<Status> Bert::wait_gate() { co_return co_await session_->wait_complete(); }

asio::awaitable<Result<BerCount>> Bert::read_lane(int lane) {
  if (dialect_.read_errors.empty() || dialect_.read_bits.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' has no error counts", dialect_.driver)));
  const std::string errors_cmd = format(dialect_.read_errors, lane);
  if (auto st = check_lane(lane, errors_cmd); !st) co_return fail(st.error());
  auto errors = co_await session_->query_int(errors_cmd);
  if (!errors) co_return fail(errors.error());
  const std::string bits_cmd = format(dialect_.read_bits, lane);
  auto bits = co_await session_->query_int(bits_cmd);
  if (!bits) co_return fail(bits.error());
  if (*errors < 0 || *bits < 0 || *errors > *bits)
    co_return fail(error(Errc::protocol, fmt::format("{} errors in {} bits", *errors, *bits), errors_cmd));
  co_return make_count(static_cast<std::uint64_t>(*errors), static_cast<std::uint64_t>(*bits));
}

asio::awaitable<Result<std::vector<std::uint64_t>>> Bert::read_counts_block(std::string_view command) {
  const std::string cmd(command);
  auto block = co_await session_->query_block(cmd);
  if (!block) co_return fail(block.error());
  if (block->size() != static_cast<std::size_t>(lanes_) * sizeof(std::uint64_t))
    co_return fail(error(Errc::protocol, fmt::format("block of {} bytes, expected {} lanes x 8", block->size(), lanes_), cmd));
  static_assert(std::endian::native == std::endian::little, "block decoding assumes a little-endian host");
  std::vector<std::uint64_t> out(static_cast<std::size_t>(lanes_));
  std::memcpy(out.data(), block->data(), block->size());
  co_return out;
}

asio::awaitable<Result<std::vector<BerCount>>> Bert::read_all() {
  std::vector<BerCount> out;
  if (dialect_.read_all_errors.empty() || dialect_.read_all_bits.empty()) {
    for (int lane = 1; lane <= lanes_; ++lane) {
      auto c = co_await read_lane(lane);
      if (!c) co_return fail(c.error());
      out.push_back(*c);
    }
    co_return out;
  }
  auto errors = co_await read_counts_block(dialect_.read_all_errors);
  if (!errors) co_return fail(errors.error());
  auto bits = co_await read_counts_block(dialect_.read_all_bits);
  if (!bits) co_return fail(bits.error());
  out.reserve(errors->size());
  for (std::size_t i = 0; i < errors->size(); ++i) out.push_back(make_count((*errors)[i], (*bits)[i]));
  co_return out;
}

asio::awaitable<Result<double>> Bert::read_error_ratio(int lane) {
  if (dialect_.read_ratio.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' has no error ratio query", dialect_.driver)));
  const std::string cmd = format(dialect_.read_ratio, lane);
  if (auto st = check_lane(lane, cmd); !st) co_return fail(st.error());
  co_return co_await session_->query_double(cmd);
}

asio::awaitable<Result<double>> Bert::read_amplitude_w(int lane) {
  if (dialect_.read_amplitude.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' cannot read amplitudes", dialect_.driver)));
  const std::string cmd = format(dialect_.read_amplitude, lane);
  if (auto st = check_lane(lane, cmd); !st) co_return fail(st.error());
  co_return co_await session_->query_double(cmd);
}

asio::awaitable<Result<std::vector<double>>> Bert::read_amplitudes_w() {
  std::vector<double> out;
  if (dialect_.read_all_amplitudes.empty()) {
    for (int lane = 1; lane <= lanes_; ++lane) {
      auto a = co_await read_amplitude_w(lane);
      if (!a) co_return fail(a.error());
      out.push_back(*a);
    }
    co_return out;
  }
  const std::string cmd(dialect_.read_all_amplitudes);
  auto block = co_await session_->query_block(cmd);
  if (!block) co_return fail(block.error());
  if (block->size() != static_cast<std::size_t>(lanes_) * sizeof(double))
    co_return fail(error(Errc::protocol, fmt::format("block of {} bytes, expected {} lanes x 8", block->size(), lanes_), cmd));
  out.resize(static_cast<std::size_t>(lanes_));
  std::memcpy(out.data(), block->data(), block->size());
  co_return out;
}

asio::awaitable<Status> Bert::safe_state() { co_return co_await stop_gate(); }

Capabilities Bert::capabilities() const {
  Capabilities c{.kind = kind(), .driver = std::string(dialect_.driver), .channels = lanes_};
  c.bulk_read = !dialect_.read_all_errors.empty() && !dialect_.read_all_bits.empty();
  c.gate_by_bits = !dialect_.set_gate_bits.empty();
  c.gate_by_time = !dialect_.set_gate_time.empty();
  c.amplitude = !dialect_.read_amplitude.empty();
  Range rate;
  if (auto lo = config_.limit("min_bit_rate_hz")) rate.lo = *lo;
  if (auto hi = config_.limit("max_bit_rate_hz")) rate.hi = *hi;
  c.bit_rate_hz = rate;
  c.max_gate_time_s = config_.limit("max_gate_time_s");
  return c;
}

namespace {
std::unique_ptr<Instrument> make_bert(InstrumentConfig config, std::unique_ptr<scpi::Session> session) {
  const BertDialect* d = find_bert_dialect(config.driver);
  if (!d) return nullptr;
  return std::make_unique<Bert>(std::move(config), std::move(session), *d);
}

// Station-file keys (README "Station files"); the hardware_* options are the twin's.
std::vector<SettingKey> bert_keys() {
  return {
      {"limits", "min_bit_rate_hz", 0, 1e12, true},
      {"limits", "max_bit_rate_hz", 0, 1e12, true},
      {"limits", "max_gate_time_s", 0, 1e9, true},
      {"options", "bit_rate_hz", 0, 1e12, true},
      {"options", "lanes", 1, 100000, false, true},
      {"options", "prbs_order", 7, 31, false, true},
      {"options", "hardware_min_bit_rate_hz", 0, 1e12, true},
      {"options", "hardware_max_bit_rate_hz", 0, 1e12, true},
  };
}

// The constructor would otherwise keep PRBS31 for an order it does not know.
std::optional<SettingProblem> check_bert_settings(const InstrumentConfig& config) {
  if (const auto it = config.options.find("prbs_order"); it != config.options.end() && !prbs_from_order(static_cast<int>(it->second)))
    return SettingProblem{"options", "prbs_order", fmt::format("PRBS{} is not one of 7, 15, 23, 31", it->second)};
  return std::nullopt;
}
}  // namespace

LEDLAB_REGISTER_DRIVER(bert, bert_dialect_names(), make_bert, bert_keys(), check_bert_settings,
                       identity_in<find_bert_dialect>);

}  // namespace ledlab::instruments
