// Simulated thermal chamber: an SCPI server over the shared bench's chamber. It speaks the
// ThermoStream command set (the default), or the Watlow F4T's when the station entry says
// driver = "watlow-f4t", so either driver can be run against it, or an ESPEC P-300/SCP-220
// controller's (driver = "espec", espec_protocol.hpp): every line answered, no IEEE 488.2.
//
// ThermoStream model kept here: three setpoints (SETN 0|1|2), each with its own window, soak
// and ramp; SETN makes one active. SETP outside the hardware range or outside ULIM/LLIM is
// refused with -222 and changes nothing. TECR? bit0 = at temperature: the air has stayed in
// the window of the setpoint for the soak time, in simulated time (the bench keeps the
// in-window timer on its own time grid). EROR? bit0 overheat (the bench's latched
// over-temperature alarm), bit3 low flow and bit4 low air (air supply fault).
// Status: OPERation bit1 (SETTling) while the chamber is not at temperature; QUEStionable
// bit4 (TEMPerature) while an alarm stands. The Device has no hook before every command, so
// conditions are brought up to date by each chamber command (and *RST).
#include "instruments/common/twin_registry.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/thermal_chamber/espec_protocol.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include "scpi/numbers.hpp"

#include <fmt/format.h>

#include <array>

namespace ledlab::instruments {
namespace {

using scpi::server::CommandError;
using scpi::server::Limits;
using scpi::server::Request;
namespace codes = scpi::server::codes;

constexpr std::uint16_t kOperSettling = 1u << 1;    // SCPI-99 OPERation bit 1
constexpr std::uint16_t kQuesTemperature = 1u << 4; // SCPI-99 QUEStionable bit 4

constexpr long long kTecrAtTemperature = 1 << 0;
constexpr long long kErorOverheat = 1 << 0, kErorLowFlow = 1 << 3, kErorLowAir = 1 << 4;

constexpr int kHeaderSuffixOutOfRange = -114;  // SCPI-99: -114 "Header suffix out of range"

// One setpoint's settings (ThermoStream keeps these per SETN).
struct Program {
  double setpoint_c;
  double window_c;
  double soak_s;
  double ramp_c_per_min;
};

std::string celsius(double c) { return fmt::format("{:.1f}", c); }

class ChamberTwin : public scpi::server::Device {
 public:
  ChamberTwin(const TwinContext& ctx, const ThermalChamberDialect& dialect, scpi::server::Identity identity)
      : Device(std::move(identity)), bench_(ctx.bench) {
    const sim::ChamberConfig& c = bench_->config().chamber;
    // The instrument's specified range; where the simulated chamber physically does less,
    // the bench refuses the setpoint and the twin reports -222 for it.
    hw_min_c_ = dialect.min_setpoint_c;
    hw_max_c_ = dialect.max_setpoint_c;
    max_ramp_ = c.max_ramp_c_per_min;
    defaults_ = Program{c.initial_c, c.window_c, 30.0, c.max_ramp_c_per_min};
    reset();
    on_reset = [this] { reset(); };
    before_command = [this] { refresh_status(); };  // STAT:OPER/QUES conditions follow the air
    if (dialect.driver == "watlow-f4t")
      register_f4t();
    else if (dialect.driver == "espec")
      register_espec();
    else
      register_thermostream();
    register_chamber_faults();
  }

 private:
  Program& active() { return programs_[static_cast<std::size_t>(active_)]; }

  // *RST: settings to defaults. Physical faults (alarm latch, stuck, air supply) remain.
  void reset() {
    programs_.fill(defaults_);
    active_ = 0;
    upper_limit_c_ = hw_max_c_;
    lower_limit_c_ = hw_min_c_;
    flow_on_ = true;
    apply();
  }

  void apply() {
    const Program& p = active();
    (void)bench_->set_chamber_setpoint_c(p.setpoint_c);
    (void)bench_->set_chamber_window_c(p.window_c);
    (void)bench_->set_chamber_ramp_c_per_min(p.ramp_c_per_min);
    apply_flow();
  }

  void apply_flow() {
    bench_->set_chamber_enabled(flow_on_ && !low_air_);
    refresh_status();
  }

  void set_setpoint(double c) {
    if (c > upper_limit_c_ || c < lower_limit_c_)
      throw CommandError{codes::data_out_of_range,
                         fmt::format("Data out of range; setpoint {} outside LLIM {} .. ULIM {}", c, lower_limit_c_,
                                     upper_limit_c_)};
    if (auto st = bench_->set_chamber_setpoint_c(c); !st)
      throw CommandError{codes::data_out_of_range, "Data out of range; " + st.error().message};
    active().setpoint_c = c;
  }

  void set_ramp(double rate) {
    if (auto st = bench_->set_chamber_ramp_c_per_min(rate); !st)
      throw CommandError{codes::data_out_of_range, "Data out of range; " + st.error().message};
    active().ramp_c_per_min = rate;
  }

  void check_loop(const Request& r) const {
    if (r.suffix(0) != 1) throw CommandError{kHeaderSuffixOutOfRange, "Header suffix out of range"};
  }

  bool at_temperature() {
    const sim::ChamberStatus s = bench_->chamber_status();
    return s.enabled && !s.over_temperature_alarm && s.in_window && s.in_window_for_s >= active().soak_s;
  }

  long long error_register() {
    long long reg = 0;
    if (bench_->over_temperature_alarm()) reg |= kErorOverheat;
    if (low_air_) reg |= kErorLowFlow | kErorLowAir;  // no supply pressure, so no flow either
    return reg;
  }

  void refresh_status() {
    const bool settling = flow_on_ && !low_air_ && !at_temperature();
    status().operation.set_condition(kOperSettling, settling);
    status().questionable.set_condition(kQuesTemperature, error_register() != 0);
  }

  // Every chamber handler brings the status conditions to the present, before and after.
  template <class F>
  scpi::server::Handler fresh(F f) {
    return [this, f](Request& r) {
      refresh_status();
      f(r);
      refresh_status();
    };
  }

  void register_thermostream() {
    const Limits range{hw_min_c_, hw_max_c_};
    on("SETN", fresh([this](Request& r) {
         active_ = static_cast<int>(r.params.integer(0, {0, static_cast<double>(programs_.size() - 1)}));
         apply();
       }),
       fresh([this](Request& r) { r.reply_int(active_); }));
    on("SETP", fresh([this, range](Request& r) { set_setpoint(r.params.real(0, range)); }),
       fresh([this](Request& r) { r.reply(celsius(active().setpoint_c)); }));
    on("TEMP", {}, fresh([this](Request& r) { r.reply(celsius(bench_->chamber_air_temperature_c())); }));
    on("TMPA", {}, fresh([this](Request& r) { r.reply(celsius(bench_->chamber_air_temperature_c())); }));
    on("TMPD", {}, fresh([this](Request& r) { r.reply(celsius(bench_->chamber_status().dut_c)); }));
    on("RAMP", fresh([this](Request& r) { set_ramp(r.params.real(0, {0, max_ramp_})); }),
       fresh([this](Request& r) { r.reply(celsius(active().ramp_c_per_min)); }));
    on("WNDW", fresh([this](Request& r) {
         const double w = r.params.real(0, {0.1, 9.9});
         (void)bench_->set_chamber_window_c(w);
         active().window_c = w;
       }),
       fresh([this](Request& r) { r.reply(celsius(active().window_c)); }));
    on("SOAK", fresh([this](Request& r) { active().soak_s = static_cast<double>(r.params.integer(0, {0, 9999})); }),
       fresh([this](Request& r) { r.reply_int(static_cast<long long>(active().soak_s)); }));
    on("TECR", {}, fresh([this](Request& r) { r.reply_int(at_temperature() ? kTecrAtTemperature : 0); }));
    on("EROR", {}, fresh([this](Request& r) { r.reply_int(error_register()); }));
    on("FLOW", fresh([this](Request& r) {
         flow_on_ = r.params.boolean(0);
         apply_flow();
       }),
       fresh([this](Request& r) { r.reply_bool(flow_on_); }));
    on("ULIM", fresh([this, range](Request& r) {
         const double v = r.params.real(0, range);
         if (v < lower_limit_c_) throw CommandError{codes::settings_conflict, "Settings conflict; ULIM below LLIM"};
         upper_limit_c_ = v;
       }),
       fresh([this](Request& r) { r.reply(celsius(upper_limit_c_)); }));
    on("LLIM", fresh([this, range](Request& r) {
         const double v = r.params.real(0, range);
         if (v > upper_limit_c_) throw CommandError{codes::settings_conflict, "Settings conflict; LLIM above ULIM"};
         lower_limit_c_ = v;
       }),
       fresh([this](Request& r) { r.reply(celsius(lower_limit_c_)); }));
    // Resets the latched errors; the over-temperature latch comes back at once if the air is
    // still above the limit.
    on("RSTO", fresh([this](Request&) {
         bench_->clear_over_temperature_alarm();
       }));
  }

  // Watlow F4T: loop 1 is the chamber air; output 1 switches the conditioning on and off.
  void register_f4t() {
    const Limits range{hw_min_c_, hw_max_c_};
    on("SOURce:CLOop#:SPOint", fresh([this, range](Request& r) {
         check_loop(r);
         set_setpoint(r.params.real(0, range));
       }),
       fresh([this](Request& r) {
         check_loop(r);
         r.reply(active().setpoint_c);
       }));
    on("SOURce:CLOop#:PVALue", {}, fresh([this](Request& r) {
         check_loop(r);
         r.reply(bench_->chamber_air_temperature_c());
       }));
    on("SOURce:CLOop#:RRATe", fresh([this](Request& r) {
         check_loop(r);
         set_ramp(r.params.real(0, {0, max_ramp_}));
       }),
       fresh([this](Request& r) {
         check_loop(r);
         r.reply(active().ramp_c_per_min);
       }));
    on("OUTPut#:STATe", fresh([this](Request& r) {
         check_loop(r);
         flow_on_ = r.params.boolean(0);
         apply_flow();
       }),
       fresh([this](Request& r) {
         check_loop(r);
         r.reply_bool(flow_on_);
       }));
  }

  // ESPEC P-300/SCP-220 (espec_protocol.hpp). Lines that are not Espec commands but SIMulate
  // ones go on to the SCPI parser, so fault injection works as on every twin.
  void register_espec() {
    native_line = [this](std::string_view line) -> std::optional<std::string> {
      if (line.size() >= 3 && (line.substr(0, 3) == "SIM" || line.substr(0, 3) == "sim")) return std::nullopt;
      refresh_status();
      std::string reply = espec_line(line);
      refresh_status();
      return reply;
    };
  }

  int espec_alarm_count() {
    int n = 0;
    if (bench_->over_temperature_alarm()) ++n;
    if (low_air_) ++n;
    return n;
  }

  std::string espec_mode() const { return flow_on_ ? "CONSTANT" : "STANDBY"; }

  std::string espec_line(std::string_view line) {
    const auto cmd = espec::parse(line);
    if (!cmd) return espec::refused(espec::kCommandError);
    const std::string& h = cmd->header;
    if (cmd->monitor) {
      if (h == "ROM") return fmt::format("{} Ver.{}", identity().model, identity().firmware);
      if (h == "TYPE") return fmt::format("T,{},{:.1f}", identity().model, hw_max_c_);  // sensor, controller, max C
      if (h == "MODE") return espec_mode();
      if (h == "TEMP")
        return fmt::format("{},{},{},{}", celsius(bench_->chamber_air_temperature_c()), celsius(active().setpoint_c),
                           celsius(upper_limit_c_), celsius(lower_limit_c_));
      if (h == "MON")  // temperature, humidity (none), mode, alarm count
        return fmt::format("{},,{},{}", celsius(bench_->chamber_air_temperature_c()), espec_mode(), espec_alarm_count());
      if (h == "ALARM") {
        std::string reply = std::to_string(espec_alarm_count());
        if (bench_->over_temperature_alarm()) reply += ",1";
        if (low_air_) reply += ",2";
        return reply;
      }
      return espec::refused(espec::kCommandError);
    }
    if (h == "MODE") {
      if (cmd->params.size() != 1) return espec::refused(espec::kParameterError);
      const std::string& mode = cmd->params.front();
      if (mode == "CONSTANT") flow_on_ = true;
      else if (mode == "STANDBY" || mode == "OFF") flow_on_ = false;
      else return espec::refused(espec::kParameterError);
      apply_flow();
      return espec::accepted(line);
    }
    if (h == "TEMP") return espec_set_temperature(*cmd, line);
    return espec::refused(espec::kCommandError);
  }

  // "TEMP, S25.0 H80.0 L-20.0": any of setpoint, upper and lower limit; all or nothing.
  std::string espec_set_temperature(const espec::Command& cmd, std::string_view line) {
    if (cmd.params.empty()) return espec::refused(espec::kParameterError);
    double setpoint = active().setpoint_c, upper = upper_limit_c_, lower = lower_limit_c_;
    bool new_setpoint = false;
    for (const auto& p : cmd.params) {
      const auto value = scpi::parse_real(std::string_view(p).substr(1));
      if (p.size() < 2 || !value) return espec::refused(espec::kParameterError);
      if (!(*value >= hw_min_c_ && *value <= hw_max_c_)) return espec::refused(espec::kOutOfRange);
      switch (p.front()) {
        case 'S': setpoint = *value, new_setpoint = true; break;
        case 'H': upper = *value; break;
        case 'L': lower = *value; break;
        default: return espec::refused(espec::kParameterError);
      }
    }
    if (lower > upper || (new_setpoint && (setpoint > upper || setpoint < lower))) return espec::refused(espec::kOutOfRange);
    if (new_setpoint) {
      if (auto st = bench_->set_chamber_setpoint_c(setpoint); !st) return espec::refused(espec::kOutOfRange);
      active().setpoint_c = setpoint;
    }
    upper_limit_c_ = upper;
    lower_limit_c_ = lower;
    return espec::accepted(line);
  }

  // Physical faults of the chamber, beside the link faults every twin has.
  void register_chamber_faults() {
    // The chamber cannot leave the temperature it has now (compressor or heater failure).
    on("SIMulate:FAULt:STUCk", fresh([this](Request& r) {
         if (r.params.boolean(0))
           bench_->set_chamber_stuck_hold();
         else
           bench_->clear_chamber_stuck();
       }),
       fresh([this](Request& r) { r.reply_bool(bench_->chamber_status().stuck != sim::ChamberStuck::none); }));
    // The chamber can only reach MIN..MAX C any more (a weak compressor or heater): an
    // excursion out of band that a run must sit out. SIM:FAULt:STUCk OFF clears it.
    on("SIMulate:FAULt:SATurate", fresh([this](Request& r) {
         const double min_c = r.params.real(0, {-100, 200});
         const double max_c = r.params.real(1, {-100, 200});
         bench_->set_chamber_stuck_saturate(min_c, max_c);
       }));
    // Trips the independent over-temperature limit; latched until RSTO (ThermoStream) or
    // SIM:FAULt:ALARm:CLEar (any dialect).
    on("SIMulate:FAULt:ALARm", fresh([this](Request&) {
         bench_->trip_over_temperature_alarm();
       }),
       fresh([this](Request& r) { r.reply_bool(bench_->over_temperature_alarm()); }));
    on("SIMulate:FAULt:ALARm:CLEar", fresh([this](Request&) {
         bench_->clear_over_temperature_alarm();
       }));
    // Loss of the compressed air supply: no flow, EROR? low air and low flow.
    on("SIMulate:FAULt:AIR", fresh([this](Request& r) {
         low_air_ = r.params.boolean(0);
         apply_flow();
       }),
       fresh([this](Request& r) { r.reply_bool(low_air_); }));
  }

  std::shared_ptr<sim::Bench> bench_;
  double hw_min_c_ = 0, hw_max_c_ = 0, max_ramp_ = 0;
  Program defaults_{};
  std::array<Program, 3> programs_{};
  int active_ = 0;
  double upper_limit_c_ = 0, lower_limit_c_ = 0;
  bool flow_on_ = true;
  bool low_air_ = false;
};

std::shared_ptr<scpi::server::Device> make_thermal_chamber_twin(const TwinContext& ctx) {
  const ThermalChamberDialect* dialect = find_thermal_chamber_dialect(ctx.config.driver);
  if (!dialect) dialect = find_thermal_chamber_dialect("thermostream");
  const bool f4t = dialect->driver == "watlow-f4t";
  const bool espec = dialect->driver == "espec";
  const std::string serial = fmt::format("SIM{:05d}", static_cast<long>(ctx.config.option("serial", 1)));
  scpi::server::Identity id{f4t ? "Watlow" : espec ? "ESPEC" : "inTEST", f4t ? "F4T" : espec ? "SCP-220" : "ATS-710-M",
                            serial, espec ? "1.00" : "1.0 (ledlab twin)"};
  return std::make_shared<ChamberTwin>(ctx, *dialect, std::move(id));
}

}  // namespace

LEDLAB_REGISTER_TWIN(thermal_chamber, make_thermal_chamber_twin);

}  // namespace ledlab::instruments
