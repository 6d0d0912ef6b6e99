#pragma once
// The instruments of a station on the engine's side: one driver per station entry, each on
// its own session and link, all on one executor.
#include "engine/station_config.hpp"
#include "instruments/common/instrument.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <vector>

namespace ledlab::engine {

class Station {
 public:
  // Drivers that keep time themselves use `clock` (the run's); without one, real time.
  static Result<std::unique_ptr<Station>> create(const StationConfig& config, boost::asio::any_io_executor executor,
                                                 std::shared_ptr<Clock> clock = nullptr);

  const StationConfig& config() const { return config_; }
  const std::vector<std::unique_ptr<instruments::Instrument>>& instruments() const { return instruments_; }
  instruments::Instrument* find(std::string_view name) const;
  template <class T>
  T* get(std::string_view name) const {
    return dynamic_cast<T*>(find(name));
  }

 private:
  StationConfig config_;
  std::vector<std::unique_ptr<instruments::Instrument>> instruments_;
};

}  // namespace ledlab::engine
