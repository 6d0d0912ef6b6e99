// Simulated current-output pattern generator: the Keysight 33500B command set for channel 1,
// plus SOUR1:CURR:OFFS / SOUR1:CURR:AMPL (see the "ledlab-pg" table in dialects.cpp), driving
// the shared bench. The output is a current per emitter; VOLT and VOLT:OFFS are the same
// output seen as the voltage across the declared load (OUTP1:LOAD, 50 ohm after *RST), as a
// 33500B displays voltages for the load it was told about. A DC function carries no
// modulation. Every change goes straight into the bench, which the BERT and the power meter
// twins then see. It drives the DUTs whose lanes the station's wiring gives it (sim::Wiring:
// a socket's pg role), or every DUT of the bench without sockets.
#include "instruments/common/twin_registry.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/wiring.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace ledlab::instruments {
namespace {

using scpi::server::CommandError;
using scpi::server::Device;
using scpi::server::Limits;
using scpi::server::Request;
namespace codes = scpi::server::codes;

constexpr int kHeaderSuffixOutOfRange = -114;  // SCPI-99 21.8.9
// Pattern form (short form in capitals) and the word the query answers, in one order.
constexpr std::array<std::string_view, 8> kFunctions{"SINusoid", "SQUare", "RAMP", "PULSe",
                                                     "PRBS",     "NOISe",  "ARB",  "DC"};
constexpr std::array<std::string_view, 8> kFunctionWords{"SIN", "SQU", "RAMP", "PULS", "PRBS", "NOIS", "ARB", "DC"};
constexpr std::size_t kDc = 7;

struct PatternGeneratorTwin {
  std::shared_ptr<sim::Bench> bench;
  std::vector<int> duts;  // the DUTs it drives; empty: every DUT
  double max_current_a = 0.05;   // hardware limit of the current output
  double max_frequency_hz = 10e9;

  std::size_t function = 1;  // SQU
  double frequency_hz = 1e3;
  double load_ohm = 50;      // infinity for OUTP1:LOAD INF
  double bias_a = 0;
  double modulation_a = 0;   // peak to peak
  bool output_on = false;

  void reset() {
    function = 1;
    frequency_hz = 1e3;
    load_ohm = 50;
    bias_a = modulation_a = 0;
    output_on = false;
    push();
  }

  // Hands the drive to the bench: the emitters see it from now on.
  void push() {
    sim::Drive d;
    d.bias_current_a = bias_a;
    d.modulation_current_a = function == kDc ? 0.0 : modulation_a;
    d.modulation_frequency_hz = function == kDc ? 0.0 : frequency_hz;
    d.output_on = output_on;
    if (duts.empty()) {
      if (auto st = bench->set_drive(d); !st)
        throw CommandError{codes::hardware_error, "Hardware error; " + st.error().message};
    }
    for (int dut : duts)
      if (auto st = bench->set_drive(dut, d); !st)
        throw CommandError{codes::hardware_error, "Hardware error; " + st.error().message};
  }

  static void channel(const Request& r) {
    if (r.suffix() != 1) throw CommandError{kHeaderSuffixOutOfRange, "Header suffix out of range; one output, channel 1"};
  }

  // Voltage commands convert through the declared load; an open load passes no current.
  double volts_per_amp() const {
    if (!std::isfinite(load_ohm))
      throw CommandError{codes::settings_conflict, "Settings conflict; a current output needs a finite OUTP:LOAD"};
    return load_ohm;
  }
  Limits current_limits() const { return Limits{0, max_current_a, 0}; }
  Limits voltage_limits() const { return Limits{0, max_current_a * volts_per_amp(), 0}; }
};

void register_source(Device& dev, const std::shared_ptr<PatternGeneratorTwin>& t) {
  dev.on("[SOURce#]:FUNCtion[:SHAPe]", [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    t->function = r.params.choice(0, {kFunctions[0], kFunctions[1], kFunctions[2], kFunctions[3], kFunctions[4],
                                      kFunctions[5], kFunctions[6], kFunctions[7]});
    t->push();
  }, [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    r.reply(std::string(kFunctionWords[t->function]));
  });

  dev.on("[SOURce#]:FREQuency[:CW]", [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    t->frequency_hz = r.params.real(0, Limits{1e-6, t->max_frequency_hz, 1e3}, "HZ");
    t->push();
  }, [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    r.reply(t->frequency_hz);
  });

  dev.on("[SOURce#]:VOLTage[:LEVel][:IMMediate][:AMPLitude]", [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    t->modulation_a = r.params.real(0, t->voltage_limits(), "V") / t->volts_per_amp();
    t->push();
  }, [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    r.reply(t->modulation_a * t->volts_per_amp());
  });

  dev.on("[SOURce#]:VOLTage[:LEVel][:IMMediate]:OFFSet", [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    t->bias_a = r.params.real(0, t->voltage_limits(), "V") / t->volts_per_amp();
    t->push();
  }, [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    r.reply(t->bias_a * t->volts_per_amp());
  });

  // Vendor extension of the current-output model: the drive per emitter in amperes.
  dev.on("[SOURce#]:CURRent:OFFSet", [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    t->bias_a = r.params.real(0, t->current_limits(), "A");
    t->push();
  }, [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    r.reply(t->bias_a);
  });

  dev.on("[SOURce#]:CURRent:AMPLitude", [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    t->modulation_a = r.params.real(0, t->current_limits(), "A");
    t->push();
  }, [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    r.reply(t->modulation_a);
  });
}

void register_output(Device& dev, const std::shared_ptr<PatternGeneratorTwin>& t) {
  dev.on("OUTPut#[:STATe]", [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    t->output_on = r.params.boolean(0);
    t->push();
  }, [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    r.reply_bool(t->output_on);
  });

  // 33500B: OUTPut:LOAD {<ohms>|INFinity|MINimum|MAXimum}; the current stays as it is.
  dev.on("OUTPut#:LOAD", [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    std::string word = r.params.has(0) ? r.params.raw(0) : std::string{};
    for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (word == "INF" || word == "INFINITY") {
      r.params.text(0);  // consumed
      t->load_ohm = std::numeric_limits<double>::infinity();
    } else {
      t->load_ohm = r.params.real(0, Limits{1, 10e3, 50}, "OHM");
    }
  }, [t](Request& r) {
    PatternGeneratorTwin::channel(r);
    r.reply(std::isfinite(t->load_ohm) ? t->load_ohm : 9.9e37);
  });
}

std::shared_ptr<Device> make_pattern_generator_twin(const TwinContext& context) {
  auto dev = std::make_shared<Device>(twin_identity(context.config, {"ledlab", "SIM-PG-CURRENT", context.config.name, "0.1"}));
  auto t = std::make_shared<PatternGeneratorTwin>();
  t->bench = context.bench;
  if (context.wiring && context.wiring->knows(context.config.name))
    for (std::size_t lane : context.wiring->lanes_of(context.config.name))
      if (t->duts.empty() || t->duts.back() != context.bench->dut_of(lane)) t->duts.push_back(context.bench->dut_of(lane));
  t->max_current_a = context.config.option("hardware_max_current_a", 0.05);
  t->max_frequency_hz = context.config.option("hardware_max_frequency_hz", 10e9);
  t->reset();

  register_source(*dev, t);
  register_output(*dev, t);
  dev->on_reset = [t] { t->reset(); };
  return dev;
}

}  // namespace

LEDLAB_REGISTER_TWIN(pattern_generator, make_pattern_generator_twin);

}  // namespace ledlab::instruments
