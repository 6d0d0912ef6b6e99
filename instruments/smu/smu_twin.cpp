// Simulated array source-measure unit: the Keysight B2900 command tree with one channel per
// lane (channel n = lane n-1 of the bench, row-major), also answering the Keithley 2400 and
// 2450 forms of the same settings (:SOUR:FUNC, :SOUR:CURR:VLIM, :READ?, :MEAS:VOLT?), so each
// dialect's driver can be tested against it on channel 1.
//
// Each lane is the diode of diode_model.hpp at the bench's junction temperature, with the
// compliance of a real SMU: sourcing current, |V| stops at the voltage compliance (and the
// current is what that voltage drives); sourcing voltage, |I| stops at the current compliance.
//
// The bench drives every lane with one current (its Drive is array-wide), so the light the
// power meter twin sees follows the current of the channel set last while its output is on:
// an LIV sweep sets every channel alike. The modulation the pattern generator set is kept.
// When every output goes off, the bench's drive goes off too, unless the pattern generator
// has changed it since (then it is the generator's).
//
// With the station's wiring (sim::Wiring, a socket's smu role) channel n is the lane wired to
// it, and the drive above is per DUT: the channels of one DUT set that DUT's drive. A channel
// with no lane is an open circuit: no current flows, a current source rails at its compliance.
#include "instruments/common/twin_registry.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/diode_model.hpp"
#include "instruments/sim/wiring.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>
#include <optional>

namespace ledlab::instruments {
namespace {

using scpi::server::CommandError;
using scpi::server::Request;
namespace codes = scpi::server::codes;

enum class Function { current, voltage };

struct ChannelState {
  Function function = Function::voltage;  // B2900 *RST: voltage source at 0 V
  double current_a = 0;
  double voltage_v = 0;
  // B2900 SCPI Command Reference (B2910-90030), SENSe subsystem: compliance defaults 2 V, 100 uA.
  double compliance_v = 2;
  double compliance_a = 1e-4;
  bool output = false;
};

bool same_drive(const sim::Drive& a, const sim::Drive& b) {
  return a.bias_current_a == b.bias_current_a && a.modulation_current_a == b.modulation_current_a &&
         a.modulation_frequency_hz == b.modulation_frequency_hz && a.output_on == b.output_on;
}

// Keysight B2900 ranges: 210 V, 3 A DC (UNVERIFIED for pulsed ranges, which the twin lacks).
constexpr double kMaxVoltage_v = 210;
constexpr double kMaxCurrent_a = 3;

class SmuTwin final : public scpi::server::Device {
 public:
  explicit SmuTwin(const TwinContext& ctx)
      : Device(twin_identity(ctx.config, {"Keysight Technologies", "SMU-ARRAY-SIM", fmt::format("SIM-{}", ctx.config.name),
                               "1.0 (ledlab twin)"})),
        bench_(ctx.bench) {
    const bool wired = ctx.wiring && ctx.wiring->knows(ctx.config.name);
    const std::size_t count = wired ? static_cast<std::size_t>(ctx.wiring->channel_count(ctx.config.name)) : bench_->lane_count();
    for (std::size_t ch = 1; ch <= count; ++ch)
      lanes_.push_back(wired ? ctx.wiring->resolve(ctx.config.name, static_cast<int>(ch)) : std::optional(ch - 1));
    reading_draws_.assign(bench_->lane_count(), 0);
    reset();
    auto& d = *this;
    d.on_reset = [this] { reset(); };
    d.on("[SOURce#]:FUNCtion[:MODE]",
         [this](Request& r) {
           auto& c = channel(r);
           c.function = r.params.choice(0, {"CURRent", "VOLTage"}) == 0 ? Function::current : Function::voltage;
           touched(r);
         },
         [this](Request& r) { r.reply(channel(r).function == Function::current ? "CURR" : "VOLT"); });
    d.on("[SOURce#]:CURRent[:LEVel][:IMMediate][:AMPLitude]",
         [this](Request& r) {
           channel(r).current_a = r.params.real(0, {-kMaxCurrent_a, kMaxCurrent_a, 0}, "A");
           touched(r);
         },
         [this](Request& r) { r.reply(channel(r).current_a); });
    d.on("[SOURce#]:VOLTage[:LEVel][:IMMediate][:AMPLitude]",
         [this](Request& r) {
           channel(r).voltage_v = r.params.real(0, {-kMaxVoltage_v, kMaxVoltage_v, 0}, "V");
           touched(r);
         },
         [this](Request& r) { r.reply(channel(r).voltage_v); });
    // Compliance: the B2900/2400 SENSe form and the 2450 source-limit form set the same value.
    const auto set_vlim = [this](Request& r) { channel(r).compliance_v = r.params.real(0, {0.2, kMaxVoltage_v, 2}, "V"); };
    const auto get_vlim = [this](Request& r) { r.reply(channel(r).compliance_v); };
    const auto set_ilim = [this](Request& r) { channel(r).compliance_a = r.params.real(0, {1e-9, kMaxCurrent_a, 1e-4}, "A"); };
    const auto get_ilim = [this](Request& r) { r.reply(channel(r).compliance_a); };
    d.on("[SENSe#]:VOLTage[:DC]:PROTection[:LEVel]", set_vlim, get_vlim);
    d.on("[SOURce#]:CURRent:VLIMit[:LEVel]", set_vlim, get_vlim);
    d.on("[SENSe#]:CURRent[:DC]:PROTection[:LEVel]", set_ilim, get_ilim);
    d.on("[SOURce#]:VOLTage:ILIMit[:LEVel]", set_ilim, get_ilim);
    d.on("OUTPut#[:STATe]",
         [this](Request& r) {
           channel(r).output = r.params.boolean(0);
           touched(r);
         },
         [this](Request& r) { r.reply_bool(channel(r).output); });
    // What is measured: the twin always measures both and answers voltage, then current.
    d.on("SENSe#:FUNCtion:CONCurrent", [](Request& r) { r.params.boolean(0); });
    d.on("SENSe#:FUNCtion[:ON]", [](Request& r) { consume_words(r); });
    d.on("FORMat:ELEMents[:SENSe]", [](Request& r) { consume_words(r); });
    d.on("READ#", {}, [this](Request& r) { r.reply(pair_text(lane_of(r.suffix(0)))); });
    d.on("MEASure#", {}, [this](Request& r) { reply_list(r); });
    d.on("MEASure#:VOLTage[:DC]", {}, [this](Request& r) { r.reply(reading(lane_of(r.suffix(0))).first); });
    d.on("MEASure#:CURRent[:DC]", {}, [this](Request& r) { r.reply(reading(lane_of(r.suffix(0))).second); });
    d.on("SYSTem:CHANnel:COUNt", {}, [this](Request& r) { r.reply_int(static_cast<long long>(channels_.size())); });
  }

 private:
  void reset() {
    // *RST switches the outputs off (B2900 *RST, output OFF): that reaches the bench too.
    channels_.assign(lanes_.size(), ChannelState{});
    last_channel_ = 0;
    for (int dut = 0; dut < bench_->dut_count(); ++dut) apply_drive(dut);
  }

  static void consume_words(Request& r) {
    for (std::size_t i = 0; i < r.params.size(); ++i) r.params.text(i);
  }

  // The channel's index (channel - 1), refused outside the channels.
  std::size_t lane_of(int ch) const {
    if (ch < 1 || static_cast<std::size_t>(ch) > channels_.size())
      throw CommandError{codes::data_out_of_range, fmt::format("Data out of range; channel {} of {}", ch, channels_.size())};
    return static_cast<std::size_t>(ch - 1);
  }
  ChannelState& channel(const Request& r) { return channels_[lane_of(r.suffix(0))]; }

  void touched(const Request& r) {
    last_channel_ = lane_of(r.suffix(0));
    if (const auto lane = lanes_[last_channel_]) apply_drive(bench_->dut_of(*lane));
  }

  bool in_dut(std::size_t index, int dut) const {
    return lanes_[index] && bench_->dut_of(*lanes_[index]) == dut;
  }

  // The light of the DUT follows the current sourced into its lanes (see the header comment).
  void apply_drive(int dut) {
    std::optional<double> current;
    const auto drives = [&](std::size_t i) {
      const ChannelState& c = channels_[i];
      return in_dut(i, dut) && c.output && c.function == Function::current && c.current_a > 0;
    };
    if (last_channel_ < channels_.size() && drives(last_channel_)) current = channels_[last_channel_].current_a;
    for (std::size_t i = 0; i < channels_.size() && !current; ++i)
      if (drives(i)) current = channels_[i].current_a;
    sim::Drive d = bench_->drive(dut);
    auto owned = owned_.find(dut);
    if (current) {
      d.bias_current_a = *current;
      d.output_on = true;
    } else if (owned != owned_.end() && same_drive(d, owned->second)) {
      d.output_on = false;
    } else {
      if (owned != owned_.end()) owned_.erase(owned);
      return;
    }
    if (owned != owned_.end() && same_drive(d, owned->second)) return;
    if (auto st = bench_->set_drive(dut, d); !st) throw CommandError{codes::execution_error, st.error().message};
    if (current)
      owned_[dut] = d;
    else
      owned_.erase(dut);
  }

  // Voltage and current at the lane's terminals, with the compliance applied, as read: with the
  // reading noise of [bench.diode] (each reading of a lane its own draw).
  std::pair<double, double> reading(std::size_t index) {
    const ChannelState& c = channels_[index];
    if (!c.output) return {0.0, 0.0};
    const auto lane = lanes_[index];
    // An open circuit: no current; a current source rails at its compliance.
    if (!lane) return {c.function == Function::current ? std::copysign(c.compliance_v, c.current_a) : c.voltage_v, 0.0};
    const auto [v, i] = true_reading(index, *lane);
    const auto noise = sim::smu_reading_noise(bench_->config().diode, bench_->config().seed, *lane, reading_draws_[*lane]++);
    return {v + noise.voltage_v, i * (1.0 + noise.current_relative)};
  }

  std::pair<double, double> true_reading(std::size_t index, std::size_t lane) const {
    const ChannelState& c = channels_[index];
    const double tj = bench_->junction_temperature_c(bench_->dut_of(lane));
    // The array's own diode: the one whose power heats the junction (array_model.hpp).
    const sim::DiodeParams& d = bench_->array().lane(lane).diode;
    if (c.function == Function::current) {
      const double v = sim::diode_voltage_v(d, c.current_a, tj);
      if (std::fabs(v) <= c.compliance_v) return {v, c.current_a};
      const double v_limit = std::copysign(c.compliance_v, v);
      return {v_limit, sim::diode_current_a(d, v_limit, tj)};
    }
    const double i = sim::diode_current_a(d, c.voltage_v, tj);
    if (std::fabs(i) <= c.compliance_a) return {c.voltage_v, i};
    const double i_limit = std::copysign(c.compliance_a, i);
    return {sim::diode_voltage_v(d, i_limit, tj), i_limit};
  }

  std::string pair_text(std::size_t lane) {
    const auto [v, i] = reading(lane);
    return fmt::format("{:+.8E},{:+.8E}", v, i);
  }

  // MEASure? [(@n) | (@a:b)]: voltage and current of each channel listed, in order.
  void reply_list(Request& r) {
    std::size_t first = lane_of(r.suffix(0)), last = first;
    if (r.params.has(0)) {
      const std::string& list = r.params.raw(0);
      if (list.size() < 4 || !list.starts_with("(@") || !list.ends_with(")"))
        throw CommandError{codes::illegal_parameter_value, fmt::format("Illegal parameter value; channel list '{}'", list)};
      const std::string_view body(list.data() + 2, list.size() - 3);
      const auto colon = body.find(':');
      first = lane_of(parse_channel(body.substr(0, colon), list));
      last = colon == std::string_view::npos ? first : lane_of(parse_channel(body.substr(colon + 1), list));
      if (last < first)
        throw CommandError{codes::illegal_parameter_value, fmt::format("Illegal parameter value; channel list '{}'", list)};
    }
    std::string out;
    for (std::size_t lane = first; lane <= last; ++lane) {
      if (!out.empty()) out += ',';
      out += pair_text(lane);
    }
    r.reply(std::move(out));
  }

  static int parse_channel(std::string_view text, const std::string& list) {
    int ch = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ch);
    if (ec != std::errc() || end != text.data() + text.size())
      throw CommandError{codes::illegal_parameter_value, fmt::format("Illegal parameter value; channel list '{}'", list)};
    return ch;
  }

  std::shared_ptr<sim::Bench> bench_;
  std::vector<ChannelState> channels_;
  std::vector<std::optional<std::size_t>> lanes_;  // per channel, the bench lane on it (fixed wiring)
  std::vector<std::uint64_t> reading_draws_;
  std::size_t last_channel_ = 0;
  std::map<int, sim::Drive> owned_;  // per DUT, the drive this twin last handed the bench
};

std::shared_ptr<scpi::server::Device> make_smu_twin(const TwinContext& ctx) { return std::make_shared<SmuTwin>(ctx); }

}  // namespace

LEDLAB_REGISTER_TWIN(smu, make_smu_twin);

}  // namespace ledlab::instruments
