#pragma once
// Simulated twins register themselves next to their code, like drivers:
//   LEDLAB_REGISTER_TWIN(power_meter, make_power_meter_twin);
// A twin is an SCPI Device over the shared bench model; `ledlab sim` serves one per station entry.
#include "core/clock.hpp"
#include "instruments/common/instrument.hpp"
#include "scpi/server/device.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ledlab::sim {
class Bench;
class TwinLog;
class Wiring;
}

namespace ledlab::instruments {

struct TwinContext {
  InstrumentConfig config;             // the station entry: name, options, limits
  std::shared_ptr<sim::Bench> bench;   // the one physics model all twins share
  std::shared_ptr<Clock> clock;
  // How the bench's lanes reach this twin's channels (sockets, switches); null: channel n is
  // bench lane n-1, as on a station without [sockets].
  std::shared_ptr<sim::Wiring> wiring = nullptr;
  // The station's twin log (gates, routes); null: nothing is logged.
  std::shared_ptr<sim::TwinLog> log = nullptr;
};

// What a twin answers *IDN? with when served for the station entry `config`: `own` when the
// entry's dialect serves that identity (or declares none), else the dialect's sample reply
// with the twin's serial, so a twin standing in for a real model passes the driver's identity
// check (dialect_identity.hpp). SIMulate:IDN changes it afterwards (device.hpp).
scpi::server::Identity twin_identity(const InstrumentConfig& config, scpi::server::Identity own);

using TwinFactory = std::function<std::shared_ptr<scpi::server::Device>(const TwinContext&)>;

class TwinRegistry {
 public:
  static TwinRegistry& instance();
  bool add(std::string kind, TwinFactory factory);
  Result<std::shared_ptr<scpi::server::Device>> make(const TwinContext& context) const;
  std::vector<std::string> kinds() const;

 private:
  std::vector<std::pair<std::string, TwinFactory>> twins_;
};

#define LEDLAB_REGISTER_TWIN(kind, factory)                     \
  [[maybe_unused]] static const bool ledlab_twin_##kind =       \
      ::ledlab::instruments::TwinRegistry::instance().add(#kind, factory)

}  // namespace ledlab::instruments
