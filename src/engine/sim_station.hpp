#pragma once
// Serves every instrument of a station file as a simulated twin over one shared bench model,
// on loopback sockets: what `ledlab sim` runs, and what the main job and tests start in-process.
// Instruments with a usbtmc:// (or USB0::...::INSTR) address get their twin on a simulated USB
// bus in this process instead, installed as the bus usbtmc:// links open through while the
// station lives: a simulated run crosses the whole USBTMC link, with no hardware.
#include "core/clock.hpp"
#include "engine/station_config.hpp"
#include "instruments/sim/bench.hpp"
#include "io/address.hpp"
#include "scpi/server/server.hpp"
#include "scpi/server/usb_bus.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

namespace ledlab::engine {

class SimulatedStation {
 public:
  enum class Ports { as_configured, any_free };
  // Starts one server per instrument on the port of its address, or on any free port; config()
  // then holds the addresses actually served. Twins bind loopback unless told otherwise.
  static Result<std::unique_ptr<SimulatedStation>> start(boost::asio::io_context& io, StationConfig station,
                                                         std::shared_ptr<Clock> clock, Ports ports = Ports::as_configured,
                                                         std::string bind_address = "127.0.0.1");
  ~SimulatedStation();

  const StationConfig& config() const { return station_; }
  const std::shared_ptr<sim::Bench>& bench() const { return bench_; }
  const std::shared_ptr<Clock>& clock() const { return clock_; }
  std::shared_ptr<scpi::server::Device> device(std::string_view instrument) const;
  // Whether some twins sit on the in-process USB bus (other processes cannot reach them).
  bool has_usb_twins() const;
  // Executes a line on a twin on the thread that serves it (fault injection: SIM:FAULT:...):
  // queued on the station's io_context for a TCP twin, done at once on the USB bus.
  Status inject(std::string_view instrument, std::string line);
  void stop();

 private:
  SimulatedStation() = default;
  void attach_usb(const instruments::InstrumentConfig& inst, const io::Address& address, std::shared_ptr<scpi::server::Device> device);
  StationConfig station_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<sim::Bench> bench_;
  std::vector<std::pair<std::string, std::shared_ptr<scpi::server::Server>>> servers_;
  boost::asio::io_context* io_ = nullptr;
  std::shared_ptr<scpi::server::UsbBus> usb_bus_;
  std::vector<std::pair<std::string, std::shared_ptr<scpi::server::Device>>> usb_devices_;
};

}  // namespace ledlab::engine
