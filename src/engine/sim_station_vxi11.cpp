// The simulated station's VXI-11 side: one VXI-11 server (portmapper, core and abort channels)
// for every twin it serves, as one LXI gateway with several instruments behind it would be.
#include "core/log.hpp"
#include "engine/sim_station.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ledlab::engine {

Status SimulatedStation::serve_vxi11(Ports ports, const std::string& bind_address, const Vxi11Serving& options) {
  // Station order: instN names follow the station file, whichever link each twin has besides.
  std::vector<std::pair<std::string, std::shared_ptr<scpi::server::Device>>> served;
  std::uint16_t wanted_port = options.portmapper_port;
  bool explicit_port = false;  // a VXI-11 station entry names its portmapper: no fallback then
  for (const auto& inst : station_.instruments) {
    if (auto it = std::ranges::find(vxi11_devices_, inst.name, &decltype(vxi11_devices_)::value_type::first);
        it != vxi11_devices_.end()) {
      served.emplace_back(inst.name, it->second);
      if (ports == Ports::as_configured && !explicit_port) {
        wanted_port = io::parse_address(inst.address)->port;
        explicit_port = true;
      }
    } else if (options.every_twin) {
      if (auto device = this->device(inst.name); device && !std::ranges::count(usb_devices_, inst.name, &decltype(usb_devices_)::value_type::first))
        served.emplace_back(inst.name, device);
    }
  }
  if (served.empty()) return {};
  if (ports == Ports::any_free && !vxi11_devices_.empty()) wanted_port = 0;

  const auto start = [&](std::uint16_t port) -> Status {
    vxi11_ = std::make_shared<scpi::server::Vxi11Server>(
        *io_, clock_, scpi::server::Vxi11Server::Options{.bind_address = bind_address, .portmapper_port = port});
    try {
      vxi11_->start();
    } catch (const boost::system::system_error& e) {
      vxi11_->stop();
      vxi11_.reset();
      return fail(Errc::config, fmt::format("{}: cannot serve VXI-11 (portmapper on {}:{}): {}", station_.source,
                                            bind_address, port, e.code().message()));
    }
    return {};
  };
  if (auto st = start(wanted_port); !st) {
    // Port 111 needs privileges: `ledlab sim` then takes a free port and says so.
    if (explicit_port || wanted_port == 0) return st;
    log::info("sim", "{}; serving the VXI-11 portmapper on a free port instead", st.error().message);
    if (auto again = start(0); !again) return again;
  }
  for (std::size_t n = 0; n < served.size(); ++n) {
    const auto& [name, device] = served[n];
    const std::string alias = fmt::format("inst{}", n);
    vxi11_->add_device(name, device);
    vxi11_->add_device(alias, device);
    vxi11_names_.emplace_back(name, alias);
  }
  for (auto& inst : station_.instruments)
    if (std::ranges::count(vxi11_devices_, inst.name, &decltype(vxi11_devices_)::value_type::first)) {
      const std::string host = bind_address == "0.0.0.0" ? io::parse_address(inst.address)->host : bind_address;
      inst.address = fmt::format("vxi11://{}/{}", io::host_port(host, vxi11_->portmapper_port()), inst.name);
      log::info("sim", "{} ({}) on VXI-11 as {}", inst.name, inst.kind, inst.address);
    }
  return {};
}

}  // namespace ledlab::engine
