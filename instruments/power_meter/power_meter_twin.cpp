// Simulated multi-channel array power meter: the Thorlabs PM100 command set with a channel
// suffix and a bulk block read of all channels. One optical head: wavelength, unit and
// averaging apply to every channel. Channel n reads the bench lane the station's wiring puts
// on it (sim::Wiring: directly, or through an optical switch's route); without sockets channel
// n is lane n-1, row-major. A dark channel (not wired, or behind an open switch output) reads
// 0 W.
#include "instruments/common/twin_registry.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/wiring.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstring>

namespace ledlab::instruments {
namespace {

using scpi::server::CommandError;
using scpi::server::Limits;
using scpi::server::Request;
namespace codes = scpi::server::codes;

class PowerMeterTwin final : public scpi::server::Device {
 public:
  explicit PowerMeterTwin(const TwinContext& ctx)
      : Device(twin_identity(ctx.config, {"Thorlabs", "PM-ARRAY-SIM", fmt::format("SIM-{}", ctx.config.name), "1.0 (ledlab twin)"})),
        bench_(ctx.bench), wiring_(ctx.wiring), name_(ctx.config.name) {
    channels_ = wiring_ && wiring_->knows(name_) ? static_cast<std::size_t>(wiring_->channel_count(name_))
                                                 : bench_->lane_count();
    reset();
    auto& d = *this;
    d.on_reset = [this] { reset(); };
    d.on("[SENSe#]:CORRection:WAVelength",
         [this](Request& r) { check_channel(r), wavelength_nm_ = r.params.real(0, {200, 1800, 850}); },
         [this](Request& r) { check_channel(r), r.reply(wavelength_nm_); });
    d.on("[SENSe#]:POWer[:DC]:UNIT", [this](Request& r) { check_channel(r), dbm_ = r.params.choice(0, {"W", "DBM"}) == 1; },
         [this](Request& r) { check_channel(r), r.reply(dbm_ ? "DBM" : "W"); });
    d.on("[SENSe#]:POWer[:DC]:RANGe:AUTO", [this](Request& r) { check_channel(r), autorange_ = r.params.boolean(0); },
         [this](Request& r) { check_channel(r), r.reply_bool(autorange_); });
    d.on("[SENSe#]:AVERage[:COUNt]",
         [this](Request& r) { check_channel(r), averaging_ = static_cast<int>(r.params.integer(0, {1, 10000, 1})); },
         [this](Request& r) { check_channel(r), r.reply_int(averaging_); });
    for (const char* verb : {"MEASure#", "READ#", "FETCh#"})
      d.on(fmt::format("{}[:SCALar]:POWer[:DC]", verb), {}, [this](Request& r) { r.reply(reading(check_channel(r))); });
    d.on("READ:POWer:ALL", {}, [this](Request& r) { reply_all(r); });
    d.on("FETCh:POWer:ALL", {}, [this](Request& r) { reply_all(r); });
    d.on("FORMat[:DATA]", [this](Request& r) { ascii_ = r.params.choice(0, {"REAL", "ASCii"}) == 1; },
         [this](Request& r) { r.reply(ascii_ ? "ASC" : "REAL"); });
    d.on("SYSTem:CHANnel:COUNt", {}, [this](Request& r) { r.reply_int(static_cast<long long>(channels_)); });
    // Lane failure (a burn-in must detect it): SIM:FAULT:LANE <channel>[,<remaining fraction>]
    // fails the lane the channel sees now.
    d.on("SIMulate:FAULt:LANE", [this](Request& r) {
      const auto channel = static_cast<int>(r.params.integer(0, {1, static_cast<double>(channels_)}));
      std::optional<double> remaining;
      if (r.params.has(1)) remaining = r.params.real(1, {0, 1});
      const auto lane = lane_of(channel);
      if (!lane) throw CommandError{codes::execution_error, fmt::format("Execution error; channel {} is dark", channel)};
      if (auto st = bench_->fail_lane(*lane, remaining); !st)
        throw CommandError{codes::execution_error, st.error().message};
    });
  }

 private:
  void reset() {
    wavelength_nm_ = bench_->config().array.wavelength_nm;
    dbm_ = false;
    autorange_ = true;
    averaging_ = 1;
    ascii_ = false;
  }

  int check_channel(const Request& r) const {
    const int ch = r.suffix(0);
    if (ch < 1 || static_cast<std::size_t>(ch) > channels_)
      throw CommandError{codes::data_out_of_range /* header suffix names no channel */,
                         fmt::format("Data out of range; channel {} of {}", ch, channels_)};
    return ch;
  }

  std::optional<std::size_t> lane_of(int channel) const {
    if (!wiring_) return static_cast<std::size_t>(channel - 1);
    return wiring_->resolve(name_, channel);
  }

  double in_unit(double watts) const {
    if (!dbm_) return watts;
    return watts > 0 ? 10.0 * std::log10(watts / 1e-3) : -200.0;
  }

  double reading(int channel) const {
    const auto lane = lane_of(channel);
    if (!lane) return in_unit(0.0);
    double sum = 0;
    for (int i = 0; i < averaging_; ++i) sum += bench_->measure_optical_power_w(*lane);
    return in_unit(sum / averaging_);
  }

  void reply_all(Request& r) const {
    std::vector<double> values(channels_, 0.0);
    const bool identity = !wiring_ || !wiring_->knows(name_);
    for (int i = 0; i < averaging_; ++i) {
      if (identity) {
        const auto one = bench_->measure_optical_powers_w();
        for (std::size_t k = 0; k < values.size(); ++k) values[k] += one[k];
        continue;
      }
      const auto lit = wiring_->lit(name_, static_cast<int>(channels_));
      const auto one = bench_->measure_optical_powers_w(lit.lanes);
      for (std::size_t k = 0; k < one.size(); ++k) values[lit.channels[k]] += one[k];
    }
    for (auto& v : values) v = in_unit(v / averaging_);
    if (ascii_) {
      r.reply(fmt::format("{:+.8E}", fmt::join(values, ",")));
      return;
    }
    // REAL: IEEE 754 float64, little-endian (the byte order of every host ledlab runs on).
    std::string bytes(values.size() * sizeof(double), '\0');
    std::memcpy(bytes.data(), values.data(), bytes.size());
    r.reply_block(bytes);
  }

  std::shared_ptr<sim::Bench> bench_;
  std::shared_ptr<sim::Wiring> wiring_;
  std::string name_;
  std::size_t channels_ = 0;
  double wavelength_nm_ = 850;
  bool dbm_ = false;
  bool autorange_ = true;
  int averaging_ = 1;
  bool ascii_ = false;
};

std::shared_ptr<scpi::server::Device> make_power_meter_twin(const TwinContext& ctx) {
  return std::make_shared<PowerMeterTwin>(ctx);
}

}  // namespace

LEDLAB_REGISTER_TWIN(power_meter, make_power_meter_twin);

}  // namespace ledlab::instruments
