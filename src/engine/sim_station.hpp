#pragma once
// Serves every instrument of a station file as a simulated twin over one shared bench model,
// on loopback sockets: what `ledlab sim` runs, and what the main job and tests start in-process.
// Instruments with a usbtmc:// (or USB0::...::INSTR) address get their twin on a simulated USB
// bus in this process instead, installed as the bus usbtmc:// links open through while the
// station lives: a simulated run crosses the whole USBTMC link, with no hardware. Instruments
// with a serial address (serial://, ASRL...::INSTR) get their twin on a pseudo-terminal, with
// the address rewritten to its stable path and the line settings kept.
// Instruments with a HiSLIP address (TCPIP0::host::hislipN[,port]::INSTR, hislip://) get their
// twin on a HiSLIP server, one per port, under their sub-address and their name.
#include "core/clock.hpp"
#include "engine/sim_modbus.hpp"
#include "engine/station_config.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/twin_log.hpp"
#include "instruments/sim/wiring.hpp"
#include "io/address.hpp"
#include "scpi/server/serial_server.hpp"
#include "scpi/server/hislip_server.hpp"
#include "scpi/server/server.hpp"
#include "scpi/server/usb_bus.hpp"
#include "scpi/server/vxi11_server.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

namespace ledlab::engine {

// The simulated bench's DUT count for a station: [bench] duts when given, else one more than
// the highest socket's sim_dut (1 without sockets). Errc::config when a socket names a DUT the
// bench does not have.
Result<int> simulated_dut_count(const StationConfig& station, const nlohmann::json& bench);
// The wiring of a station's [sockets] over a bench (null without sockets): socket lane n of
// the DUT at sim_dut d is bench lane d * L + n - 1 (L = the bench's lanes per DUT); direct roles
// wire lane n to channels[n-1] (lane n to channel n when none are listed), switched roles wire
// lane n to switch input switch_inputs[n-1] and instrument channel channels[k] to switch output
// switch_outputs[k]; a pattern generator without channels serves the DUT's lanes as a whole;
// chambers wire nothing.
Result<std::shared_ptr<sim::Wiring>> wiring_from_sockets(const StationConfig& station, const sim::Bench& bench);

// VXI-11 serving (sim_station_vxi11.cpp). Instruments whose address is VXI-11 are always
// served over it; `ledlab sim` also serves every other network twin over VXI-11, as real LXI
// instruments speak both raw sockets and VXI-11.
struct Vxi11Serving {
  bool every_twin = false;
  // The portmapper's port for every_twin: 111 (the standard's) when it can be bound, else a
  // free one; 0 = a free one.
  std::uint16_t portmapper_port = 111;
};

class SimulatedStation {
 public:
  enum class Ports { as_configured, any_free };
  // Starts one server per instrument on the port of its address, or on any free port; config()
  // then holds the addresses actually served. Twins bind loopback unless told otherwise.
  static Result<std::unique_ptr<SimulatedStation>> start(boost::asio::io_context& io, StationConfig station,
                                                         std::shared_ptr<Clock> clock, Ports ports = Ports::as_configured,
                                                         std::string bind_address = "127.0.0.1",
                                                         Vxi11Serving vxi11 = {});
  ~SimulatedStation();

  const StationConfig& config() const { return station_; }
  const std::shared_ptr<sim::Bench>& bench() const { return bench_; }
  // How the sockets' lanes reach the twins' channels; null on a station without [sockets]
  // (every twin: channel n is bench lane n-1).
  const std::shared_ptr<sim::Wiring>& wiring() const { return wiring_; }
  // What the twins were told to do (gates, routes), on bench time (twin_log.hpp).
  const std::shared_ptr<sim::TwinLog>& twin_log() const { return log_; }
  const std::shared_ptr<Clock>& clock() const { return clock_; }
  std::shared_ptr<scpi::server::Device> device(std::string_view instrument) const;
  // Whether some twins sit on the in-process USB bus (other processes cannot reach them).
  bool has_usb_twins() const;
  // Serves every twin outside the USB bus over HiSLIP as well, on one port (0: any free port):
  // the n-th instrument of the station (from 0) as hislipN and under its name. Returns each
  // twin's VISA resource string, in station order (sim_station_hislip.cpp).
  Result<std::vector<std::pair<std::string, std::string>>> serve_all_over_hislip(std::uint16_t port,
                                                                                 std::string bind_address = "127.0.0.1");
  // Executes a line on a twin on the thread that serves it (fault injection: SIM:FAULT:...):
  // queued on the station's io_context for a TCP twin, done at once on the USB bus.
  Status inject(std::string_view instrument, std::string line);
  // The pseudo-terminal a serial instrument's twin is served on (null for other links): tests
  // pull its cable with replug().
  std::shared_ptr<scpi::server::SerialServer> serial_server(std::string_view instrument) const;
  void stop();

  // The VXI-11 server, when some twin is served over VXI-11 (null otherwise).
  const std::shared_ptr<scpi::server::Vxi11Server>& vxi11_server() const { return vxi11_; }
  // Each twin served over VXI-11, in station order: instrument name and its instN alias.
  const std::vector<std::pair<std::string, std::string>>& vxi11_names() const { return vxi11_names_; }

 private:
  SimulatedStation() = default;
  // Serves the twins that go over VXI-11 and rewrites their addresses (sim_station_vxi11.cpp).
  Status serve_vxi11(Ports ports, const std::string& bind_address, const Vxi11Serving& options);
  void attach_usb(const instruments::InstrumentConfig& inst, const io::Address& address, std::shared_ptr<scpi::server::Device> device);
  // Serves a HiSLIP entry's twin and rewrites its address to where it is (sim_station_hislip.cpp).
  Status attach_hislip(instruments::InstrumentConfig& inst, const io::Address& address,
                       std::shared_ptr<scpi::server::Device> device, Ports ports, const std::string& bind_address,
                       std::string_view source);
  StationConfig station_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<sim::Bench> bench_;
  std::shared_ptr<sim::Wiring> wiring_;
  std::shared_ptr<sim::TwinLog> log_ = std::make_shared<sim::TwinLog>();
  // Serves the twin on a pseudo-terminal and rewrites inst.address to it (sim_station_serial.cpp).
  Status attach_serial(instruments::InstrumentConfig& inst, const io::Address& address,
                       std::shared_ptr<scpi::server::Device> device);
  std::vector<std::pair<std::string, std::shared_ptr<scpi::server::Server>>> servers_;
  std::vector<std::pair<std::string, std::shared_ptr<scpi::server::SerialServer>>> serial_servers_;
  boost::asio::io_context* io_ = nullptr;
  std::shared_ptr<scpi::server::UsbBus> usb_bus_;
  std::vector<std::pair<std::string, std::shared_ptr<scpi::server::Device>>> usb_devices_;
  std::vector<ModbusTwin> modbus_twins_;  // sim_modbus.hpp
  std::shared_ptr<scpi::server::Vxi11Server> vxi11_;
  std::vector<std::pair<std::string, std::shared_ptr<scpi::server::Device>>> vxi11_devices_;  // VXI-11 only
  std::vector<std::pair<std::string, std::string>> vxi11_names_;
  // HiSLIP servers by the port asked for (0: any free port), and the twins only they serve.
  std::vector<std::pair<std::uint16_t, std::shared_ptr<scpi::server::HislipServer>>> hislip_servers_;
  std::vector<std::pair<std::string, std::shared_ptr<scpi::server::Device>>> hislip_devices_;
  std::vector<std::pair<std::string, io::Address>> hislip_addresses_;  // port: the server's key (0: any free)
};

}  // namespace ledlab::engine
