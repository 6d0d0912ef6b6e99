// Simulated multi-channel array power meter: the Thorlabs PM100 command set with a channel
// suffix (channel n = lane n-1 of the bench, row-major) and a bulk block read of all
// channels. One optical head: wavelength, unit and averaging apply to every channel.
#include "instruments/common/twin_registry.hpp"
#include "instruments/sim/bench.hpp"

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
      : Device({"Thorlabs", "PM-ARRAY-SIM", fmt::format("SIM-{}", ctx.config.name), "1.0 (ledlab twin)"}),
        bench_(ctx.bench) {
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
    d.on("SYSTem:CHANnel:COUNt", {}, [this](Request& r) { r.reply_int(static_cast<long long>(bench_->lane_count())); });
    // Lane failure (a burn-in must detect it): SIM:FAULT:LANE <channel>[,<remaining fraction>].
    d.on("SIMulate:FAULt:LANE", [this](Request& r) {
      const auto lanes = static_cast<double>(bench_->lane_count());
      const auto channel = static_cast<std::size_t>(r.params.integer(0, {1, lanes}));
      std::optional<double> remaining;
      if (r.params.has(1)) remaining = r.params.real(1, {0, 1});
      if (auto st = bench_->fail_lane(channel - 1, remaining); !st)
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

  std::size_t check_channel(const Request& r) const {
    const int ch = r.suffix(0);
    if (ch < 1 || static_cast<std::size_t>(ch) > bench_->lane_count())
      throw CommandError{codes::data_out_of_range /* header suffix names no channel */,
                         fmt::format("Data out of range; channel {} of {}", ch, bench_->lane_count())};
    return static_cast<std::size_t>(ch - 1);
  }

  double in_unit(double watts) const {
    if (!dbm_) return watts;
    return watts > 0 ? 10.0 * std::log10(watts / 1e-3) : -200.0;
  }

  double reading(std::size_t lane) const {
    double sum = 0;
    for (int i = 0; i < averaging_; ++i) sum += bench_->measure_optical_power_w(lane);
    return in_unit(sum / averaging_);
  }

  void reply_all(Request& r) const {
    std::vector<double> values(bench_->lane_count(), 0.0);
    for (int i = 0; i < averaging_; ++i) {
      const auto one = bench_->measure_optical_powers_w();
      for (std::size_t k = 0; k < values.size(); ++k) values[k] += one[k];
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
