// Simulated multi-lane BERT: the J-BERT N4903B command set with a lane suffix on SENSe (see
// the "ledlab-bert" table in dialects.cpp), over the shared bench. Every lane's detector sees
// the light of its emitter as the pattern generator twin drives it.
//
// Gating runs on the shared clock: a gate lasts its period, or bits / bit rate. Counts grow
// while it runs: whenever anything looks at the gate, the bits elapsed since the last look are
// compared, and their errors are drawn from the bench at the link's present BER (Poisson per
// lane). A BITS gate ends on exactly its bit count. *OPC? answers when the gate has ended.
// With the drive off the bench's BER is 1/2 (loss of signal): about half the bits are errors,
// and QUEStionable condition bit 9 is set. A detector on another PRBS than the generator does
// not synchronise: half the bits are errors.
//
// Lane n's detector sees the bench lane the station's wiring puts on channel n (sim::Wiring:
// directly, or through an optical switch's route at the moment the bits are compared); without
// sockets lane n is bench lane n-1. A dark channel (not wired, or behind an open switch output)
// has no signal: half its bits are errors and bit 9 is set. Every gate start, stop and end goes
// in the twin log (SIM:LOG?), with the bench time it happened at.
#include "instruments/common/twin_log_commands.hpp"
#include "instruments/common/twin_registry.hpp"
#include "instruments/common/twin_timing.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/twin_log.hpp"
#include "instruments/sim/wiring.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
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
constexpr std::uint16_t kOperMeasuring = 1u << 4;   // OPERation bit 4: a gate is running
constexpr std::uint16_t kQuesLossOfSignal = 1u << 9;  // QUEStionable bit 9 (ledlab): no light
constexpr std::array<int, 4> kPrbsOrders{7, 15, 23, 31};

enum class Manner { time, bits };

struct BertTwin {
  std::shared_ptr<sim::Bench> bench;
  std::shared_ptr<Clock> clock;
  std::shared_ptr<sim::Wiring> wiring;  // null or not naming this twin: identity
  std::shared_ptr<sim::TwinLog> log;
  std::string name;
  Device* device = nullptr;  // owns this twin through its handlers
  std::size_t lanes = 0;
  double min_rate_hz = 100e6, max_rate_hz = 16e9;

  // Settings, shared by every lane.
  double bit_rate_hz = 2e9;
  int source_order = 31;
  int sense_order = 31;
  Manner manner = Manner::time;
  double period_s = 1.0;
  std::uint64_t gate_bits = 1'000'000'000;

  // The gate: what it will count, and what it counted so far.
  bool running = false;
  double start_s = 0;
  double start_bench_s = 0;  // the same instant on bench time, for the log
  double duration_s = 0;
  double gate_rate_hz = 0;
  std::uint64_t target_bits = 0;
  std::uint64_t counted_bits = 0;
  std::vector<std::uint64_t> errors;

  void reset() {
    running = false;
    bit_rate_hz = 2e9;
    source_order = sense_order = 31;
    manner = Manner::time;
    period_s = 1.0;
    gate_bits = 1'000'000'000;
    counted_bits = 0;
    std::ranges::fill(errors, 0);
    (void)bench->set_bert(bit_rate_hz, source_order);
  }

  // Brings the gate to the clock's time: compares the bits elapsed since the last look.
  void advance() {
    if (running) {
      const double elapsed = clock->elapsed_s() - start_s;
      std::uint64_t total = target_bits;
      if (elapsed < duration_s) {
        total = std::min(target_bits, static_cast<std::uint64_t>(std::max(0.0, std::floor(elapsed * gate_rate_hz))));
      } else {
        running = false;
        log->add(start_bench_s + duration_s, name, "GATE END");
      }
      const std::uint64_t fresh = total - counted_bits;
      if (fresh > 0) {
        // Never in sync, or no light: every other bit wrong. Halving the running total keeps
        // the sum of the increments exact however the gate was sliced.
        const std::uint64_t half = total / 2 - counted_bits / 2;
        if (sense_order != source_order) {
          for (auto& e : errors) e += half;
        } else if (identity()) {
          const auto drawn = bench->count_errors(fresh, settings());
          for (std::size_t i = 0; i < lanes; ++i) errors[i] += drawn[i];
        } else {
          const auto lit = wiring->lit(name, static_cast<int>(lanes));
          const auto drawn = bench->count_errors(lit.lanes, fresh, settings());
          std::vector<bool> seen(lanes, false);
          for (std::size_t k = 0; k < drawn.size(); ++k) {
            errors[lit.channels[k]] += drawn[k];
            seen[lit.channels[k]] = true;
          }
          for (std::size_t i = 0; i < lanes; ++i)
            if (!seen[i]) errors[i] += half;
        }
        counted_bits = total;
      }
    }
    device->status().operation.set_condition(kOperMeasuring, running);
    device->status().questionable.set_condition(kQuesLossOfSignal, loss_of_signal());
  }

  bool identity() const { return !wiring || !wiring->knows(name); }

  // This BERT's own rate and pattern (neither changes under a running gate): on a station with
  // a BERT per DUT each counts at its own, whatever another one last set the bench to.
  sim::BertSettings settings() const { return {bit_rate_hz, source_order}; }

  // Some detector has no light: a dark channel, or the drive of its DUT is off.
  bool loss_of_signal() const {
    if (identity()) {
      for (int d = 0; d < bench->dut_count(); ++d)
        if (!bench->drive(d).output_on) return true;
      return false;
    }
    const auto all = wiring->resolve_all(name, static_cast<int>(lanes));
    std::vector<bool> on;
    for (int d = 0; d < bench->dut_count(); ++d) on.push_back(bench->drive(d).output_on);
    for (const auto& lane : all)
      if (!lane || !on[static_cast<std::size_t>(bench->dut_of(*lane))]) return true;
    return false;
  }

  std::optional<std::size_t> lane_of(std::size_t index) const {
    if (identity()) return index;
    return wiring->resolve(name, static_cast<int>(index + 1));
  }

  void start_gate() {
    advance();
    gate_rate_hz = bit_rate_hz;
    if (manner == Manner::bits) {
      target_bits = gate_bits;
      duration_s = static_cast<double>(gate_bits) / bit_rate_hz;
    } else {
      target_bits = static_cast<std::uint64_t>(std::floor(period_s * bit_rate_hz));
      duration_s = period_s;
    }
    counted_bits = 0;
    std::ranges::fill(errors, 0);
    start_s = clock->elapsed_s();
    start_bench_s = bench->time_s();
    running = true;
    log->add(start_bench_s, name,
             manner == Manner::bits ? fmt::format("GATE ON {} BITS", target_bits) : fmt::format("GATE ON {:.9g} S", period_s));
    advance();
  }

  void stop_gate() {
    advance();
    if (running) log->add(bench->time_s(), name, "GATE OFF");
    running = false;
    advance();
  }

  // Simulated seconds until the gate ends, plus the reply's margin (twin_timing.hpp).
  double pending_s() {
    advance();
    if (!running) return 0;
    return std::max(0.0, start_s + duration_s - clock->elapsed_s()) + opc_margin_s(*clock);
  }

  // A setting may not change under a running gate; sending the value it already has is fine
  // (a driver re-applying its settings after a reconnect).
  void require_idle_for_change(bool changes) {
    advance();
    if (changes && running) throw CommandError{codes::settings_conflict, "Settings conflict; gate is running"};
  }

  std::size_t lane(const Request& r, std::size_t n = 0) const {
    const int s = r.suffix(n);
    if (s < 1 || static_cast<std::size_t>(s) > lanes)
      throw CommandError{kHeaderSuffixOutOfRange, fmt::format("Header suffix out of range; lane {} not 1..{}", s, lanes)};
    return static_cast<std::size_t>(s - 1);
  }

  static int prbs(const Request& r) {
    return kPrbsOrders[r.params.choice(0, {"PRBS7", "PRBS15", "PRBS23", "PRBS31"})];
  }

  void set_bench(double rate_hz, int order) {
    if (auto st = bench->set_bert(rate_hz, order); !st)
      throw CommandError{codes::data_out_of_range, "Data out of range; " + st.error().message};
  }

  double received_amplitude_w(std::size_t index) {
    const auto lane = lane_of(index);
    return lane ? bench->measure_received_amplitude_w(*lane) : 0.0;
  }

  std::vector<double> received_amplitudes_w() {
    if (identity()) return bench->measure_received_amplitudes_w();
    std::vector<double> out(lanes, 0.0);
    const auto lit = wiring->lit(name, static_cast<int>(lanes));
    const auto read = bench->measure_received_amplitudes_w(lit.lanes);
    for (std::size_t k = 0; k < read.size(); ++k) out[lit.channels[k]] = read[k];
    return out;
  }
};

std::string uint64_block(const std::vector<std::uint64_t>& values) {
  std::string bytes(values.size() * sizeof(std::uint64_t), '\0');
  static_assert(std::endian::native == std::endian::little, "blocks are little-endian");
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::string float64_block(const std::vector<double>& values) {
  std::string bytes(values.size() * sizeof(double), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

void register_settings(Device& dev, const std::shared_ptr<BertTwin>& t) {
  dev.on("SYSTem:LANE:COUNt", {}, [t](Request& r) { r.reply_int(static_cast<long long>(t->lanes)); });

  // SOURce9 is the J-BERT's clock generator: its frequency is the bit rate.
  dev.on("SOURce#:FREQuency", [t](Request& r) {
    if (r.suffix() != 9) throw CommandError{kHeaderSuffixOutOfRange, "Header suffix out of range; the clock is SOURce9"};
    const double hz = r.params.real(0, Limits{t->min_rate_hz, t->max_rate_hz, 2e9}, "HZ");
    t->require_idle_for_change(hz != t->bit_rate_hz);
    t->set_bench(hz, t->source_order);
    t->bit_rate_hz = hz;
  }, [t](Request& r) {
    if (r.suffix() != 9) throw CommandError{kHeaderSuffixOutOfRange, "Header suffix out of range; the clock is SOURce9"};
    r.reply(t->bit_rate_hz);
  });

  dev.on("SOURce#:PATTern[:SELect]", [t](Request& r) {
    t->lane(r);
    const int order = BertTwin::prbs(r);
    t->require_idle_for_change(order != t->source_order);
    t->set_bench(t->bit_rate_hz, order);
    t->source_order = order;
  }, [t](Request& r) {
    t->lane(r);
    r.reply(fmt::format("PRBS{}", t->source_order));
  });

  dev.on("SENSe#:PATTern[:SELect]", [t](Request& r) {
    t->lane(r);
    const int order = BertTwin::prbs(r);
    t->require_idle_for_change(order != t->sense_order);
    t->sense_order = order;
  }, [t](Request& r) {
    t->lane(r);
    r.reply(fmt::format("PRBS{}", t->sense_order));
  });

  dev.on("SENSe#:GATE:MANNer", [t](Request& r) {
    t->lane(r);
    const Manner m = r.params.choice(0, {"TIME", "BITS"}) == 0 ? Manner::time : Manner::bits;
    t->require_idle_for_change(m != t->manner);
    t->manner = m;
  }, [t](Request& r) {
    t->lane(r);
    r.reply(t->manner == Manner::time ? "TIME" : "BITS");
  });

  dev.on("SENSe#:GATE:PERiod", [t](Request& r) {
    t->lane(r);
    const double s = r.params.real(0, Limits{1e-6, 1e7, 1.0}, "S");
    t->require_idle_for_change(s != t->period_s);
    t->period_s = s;
  }, [t](Request& r) {
    t->lane(r);
    r.reply(t->period_s);
  });

  // ledlab extension: the length of a BITS gate (exact in a double up to 2^53).
  dev.on("SENSe#:GATE:BITS", [t](Request& r) {
    t->lane(r);
    const auto n = static_cast<std::uint64_t>(r.params.integer(0, Limits{1, 9e15, 1e9}));
    t->require_idle_for_change(n != t->gate_bits);
    t->gate_bits = n;
  }, [t](Request& r) {
    t->lane(r);
    r.reply_int(static_cast<long long>(t->gate_bits));
  });

  // All lanes gate together: ON clears every lane's counts and starts, OFF ends the gate.
  dev.on("SENSe#:GATE[:STATe]", [t](Request& r) {
    t->lane(r);
    if (r.params.boolean(0)) {
      t->start_gate();
    } else {
      t->stop_gate();
    }
  }, [t](Request& r) {
    t->lane(r);
    t->advance();
    r.reply_bool(t->running);
  });
}

void register_results(Device& dev, const std::shared_ptr<BertTwin>& t) {
  dev.on("FETCh:SENSe#:ECOunt", {}, [t](Request& r) {
    const auto lane = t->lane(r);
    t->advance();
    r.reply_int(static_cast<long long>(t->errors[lane]));
  });
  dev.on("FETCh:SENSe#:BCOunt", {}, [t](Request& r) {
    t->lane(r);
    t->advance();
    r.reply_int(static_cast<long long>(t->counted_bits));
  });
  dev.on("FETCh:SENSe#:ERATio", {}, [t](Request& r) {
    const auto lane = t->lane(r);
    t->advance();
    // No bits compared yet: no ratio (SCPI NaN).
    r.reply(t->counted_bits == 0 ? std::nan("")
                                 : static_cast<double>(t->errors[lane]) / static_cast<double>(t->counted_bits));
  });
  dev.on("FETCh:SENSe#:AMPLitude", {}, [t](Request& r) { r.reply(t->received_amplitude_w(t->lane(r))); });

  dev.on("FETCh:SENSe:ECOunt:ALL", {}, [t](Request& r) {
    t->advance();
    r.reply_block(uint64_block(t->errors));
  });
  dev.on("FETCh:SENSe:BCOunt:ALL", {}, [t](Request& r) {
    t->advance();
    r.reply_block(uint64_block(std::vector<std::uint64_t>(t->lanes, t->counted_bits)));
  });
  dev.on("FETCh:SENSe:AMPLitude:ALL", {}, [t](Request& r) {
    r.reply_block(float64_block(t->received_amplitudes_w()));
  });
}

std::shared_ptr<Device> make_bert_twin(const TwinContext& context) {
  auto dev = std::make_shared<Device>(twin_identity(context.config, {"ledlab", "SIM-BERT", context.config.name, "0.1"}));
  auto t = std::make_shared<BertTwin>();
  t->bench = context.bench;
  t->clock = context.clock;
  t->device = dev.get();
  t->wiring = context.wiring;
  t->log = context.log ? context.log : std::make_shared<sim::TwinLog>();
  t->name = context.config.name;
  t->lanes = t->identity() ? context.bench->lane_count() : static_cast<std::size_t>(t->wiring->channel_count(t->name));
  t->min_rate_hz = context.config.option("hardware_min_bit_rate_hz", 100e6);
  t->max_rate_hz = context.config.option("hardware_max_bit_rate_hz", 16e9);
  t->errors.assign(t->lanes, 0);
  t->reset();

  register_settings(*dev, t);
  register_results(*dev, t);
  register_log_commands(*dev, t->log, t->name);
  dev->on_reset = [t] { t->reset(); };
  dev->pending_operation_s = [t] { return t->pending_s(); };
  return dev;
}

}  // namespace

LEDLAB_REGISTER_TWIN(bert, make_bert_twin);

}  // namespace ledlab::instruments
