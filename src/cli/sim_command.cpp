#include "cli/commands.hpp"
#include "cli/check_command.hpp"
#include "cli/sim_announce.hpp"
#include "core/log.hpp"
#include "engine/sim_station.hpp"
#include "engine/station.hpp"
#include "instruments/bert/bert.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/sim/truth.hpp"
#include "io/address.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

namespace ledlab::cli {

namespace {

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      out.push_back(std::stod(item));
    } catch (const std::exception&) {
      fmt::print(std::cerr, "error: --currents: '{}' is not a number\n", item);
      throw Exit{2};
    }
  }
  return out;
}

// Drives the array through the pattern generator (5 mA bias, 4 mA modulation) and runs one
// BERT gate of 1e9 bits, so every instrument has something real to read.
Status light_up(const engine::StationConfig& config) {
  namespace asio = boost::asio;
  asio::io_context io;
  auto station = engine::Station::create(config, io.get_executor());
  if (!station) return fail(station.error());
  auto work = [&]() -> asio::awaitable<Status> {
    for (const auto& inst : (*station)->instruments()) {
      if (auto* pg = dynamic_cast<instruments::PatternGenerator*>(inst.get())) {
        if (auto st = co_await pg->initialize(); !st) co_return st;
        if (auto st = co_await pg->set_drive_a(5e-3, 4e-3); !st) co_return st;
        if (auto st = co_await pg->set_output(true); !st) co_return st;
        fmt::print("{}: drive on, 5 mA bias, 4 mA modulation\n", pg->name());
      }
    }
    for (const auto& inst : (*station)->instruments()) {
      if (auto* bert = dynamic_cast<instruments::Bert*>(inst.get())) {
        if (auto st = co_await bert->initialize(); !st) co_return st;
        if (auto st = co_await bert->set_gate_bits(1'000'000'000); !st) co_return st;
        if (auto st = co_await bert->start_gate(); !st) co_return st;
        if (auto st = co_await bert->wait_gate(); !st) co_return st;
        fmt::print("{}: gated 1e9 bits on every lane at {:.3g} Gb/s\n", bert->name(), bert->bit_rate_hz() / 1e9);
      }
    }
    co_return Status{};
  };
  auto fut = asio::co_spawn(io, work(), asio::use_future);
  io.run();
  return fut.get();
}

// After the station line, so scripts that read the twins' lines up to it are not disturbed:
// each twin's VISA INSTR string, ended by an empty line.
void print_vxi11_twins(const engine::SimulatedStation& sim, const std::string& bind) {
  const auto& server = sim.vxi11_server();
  if (!server) return;
  const std::string host = bind == "0.0.0.0" ? "127.0.0.1" : bind;
  const auto pm = server->portmapper_port();
  fmt::print("VXI-11 portmapper on {} (TCP and UDP); the twins over VXI-11:\n", io::host_port(bind, pm));
  for (const auto& [name, alias] : sim.vxi11_names()) {
    // A VISA resource string has no portmapper port: it names one only on 111.
    const std::string visa = pm == 111 ? fmt::format("TCPIP0::{}::{}::INSTR", host, name)
                                       : fmt::format("vxi11://{}/{}", io::host_port(host, pm), name);
    fmt::print("  {:<12} {}  (also {})\n", name, visa, alias);
  }
  fmt::print("\n");
}

double scale_of(const engine::StationConfig& station, double override_scale) {
  return override_scale > 0 ? override_scale : station.time_scale;
}

}  // namespace

void register_sim_command(CLI::App& app) {
  struct Options {
    std::string station, bind = "127.0.0.1", truth, currents = "1e-3,2e-3,5e-3,10e-3";
    double time_scale = 0;
    bool any_port = false;
    bool no_vxi11 = false;
    std::optional<std::uint16_t> vxi11_portmapper;
    bool no_mdns = false;
    int hislip_port = -1;  // -1: 4880 when free, else any free port
    bool no_hislip = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("sim", "Serve every instrument of a station as a simulated twin (until Ctrl-C)");
  cmd->add_option("--hislip-port", o->hislip_port, "serve every twin over HiSLIP on this port too (0: any free port; "
                  "default 4880 when free, else a free one)")->check(CLI::Range(0, 65535));
  cmd->add_flag("--no-hislip", o->no_hislip, "do not serve the twins over HiSLIP");
  cmd->add_option("--station", o->station, "station file (TOML)")->required();
  cmd->add_option("--bind", o->bind, "address the twins listen on")->capture_default_str();
  cmd->add_flag("--any-port", o->any_port, "serve on free ports instead of the station's (printed at start)");
  cmd->add_option("--time-scale", o->time_scale, "simulated seconds per wall second (default: the station's)")
      ->check(time_scale_check());
  cmd->add_flag("--no-vxi11", o->no_vxi11, "serve twins over their station links only, not over VXI-11 as well");
  cmd->add_option("--vxi11-portmapper", o->vxi11_portmapper,
                  "port of the VXI-11 portmapper (default 111 when it can be bound, else a free one; 0 = a free one)");
  cmd->add_flag("--no-mdns", o->no_mdns, "do not announce the twins over mDNS / DNS-SD");
  cmd->add_option("--dump-truth", o->truth, "write the bench's ground truth as JSON to this file and exit");
  cmd->add_option("--currents", o->currents, "drive currents (A) for the truth's f3dB table")->capture_default_str();
  cmd->callback([o] {
    auto station = load_station_or_exit(o->station);
    auto clock = std::make_shared<Clock>(scale_of(station, o->time_scale));
    boost::asio::io_context io;
    // Dumping the truth serves nothing, so it never takes the station's ports (a running
    // `ledlab sim` on them is no reason to fail).
    const bool free_ports = o->any_port || !o->truth.empty();
    auto sim = engine::SimulatedStation::start(
        io, station, clock,
        free_ports ? engine::SimulatedStation::Ports::any_free : engine::SimulatedStation::Ports::as_configured,
        o->truth.empty() ? o->bind : std::string("127.0.0.1"),
        engine::Vxi11Serving{.every_twin = !o->no_vxi11 && o->truth.empty(),
                             .portmapper_port = o->vxi11_portmapper.value_or(free_ports ? 0 : 111)});
    if (!sim) {
      fmt::print(std::cerr, "error: {}\n", sim.error().message);
      throw Exit{2};
    }
    if (!o->truth.empty()) {
      const auto currents = parse_list(o->currents);
      std::ofstream out(o->truth);
      out << sim::truth(*(*sim)->bench(), currents).dump(1) << "\n";
      if (!out) {
        fmt::print(std::cerr, "error: cannot write {}\n", o->truth);
        throw Exit{1};
      }
      fmt::print("wrote the ground truth of {} lanes to {}\n", (*sim)->bench()->lane_count(), o->truth);
      throw Exit{0};
    }
    for (const auto& inst : (*sim)->config().instruments) {
      // Served on loopback TCP, VXI-11, HiSLIP, Modbus or a pseudo-terminal, other processes reach
      // it; not on the in-process USB bus.
      const auto address = io::parse_address(inst.address);
      const bool usb = address && address->kind == io::Address::Kind::usbtmc;
      fmt::print("{:<12} {:<18} {}{}\n", inst.name, inst.kind, inst.address,
                 usb ? "  (simulated USB bus inside this process only: use `ledlab run --sim` to reach it)" : "");
    }
    if (!o->no_hislip) {
      // IVI-6.1 section 2.1: 4880 is HiSLIP's port; a second `ledlab sim` finds it taken and
      // takes a free one rather than failing (a port asked for by --hislip-port must be had).
      const auto port = static_cast<std::uint16_t>(o->hislip_port < 0 ? 4880 : o->hislip_port);
      auto served = (*sim)->serve_all_over_hislip(port, o->bind);
      if (!served && o->hislip_port < 0) served = (*sim)->serve_all_over_hislip(0, o->bind);
      if (!served) {
        fmt::print(std::cerr, "error: {}\n", served.error().message);
        throw Exit{2};
      }
      for (const auto& [name, visa] : *served) fmt::print("{:<12} {:<18} {}\n", name, "(HiSLIP)", visa);
    }
    std::shared_ptr<io::discovery::MdnsResponder> mdns;
    if (!o->no_mdns) {
      // Announcing is a convenience: a port 5353 that cannot be had is no reason not to serve.
      if (auto r = announce_twins(io, **sim, o->bind)) mdns = *r;
      else fmt::print(std::cerr, "warning: twins not announced over mDNS: {}\n", r.error().describe());
    }
    fmt::print("simulated station '{}' running at time scale {} (Ctrl-C stops)\n", station.name, clock->scale());
    print_vxi11_twins(**sim, o->bind);
    std::cout.flush();
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) {
      if (mdns) mdns->stop();
      (*sim)->stop();
      io.stop();
    });
    io.run();
    throw Exit{0};
  });
}

void register_bench_demo_command(CLI::App& app) {
  struct Options {
    std::string station;
    double time_scale = 0;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("demo", "Start a station's simulated twins in-process, then check and read each instrument");
  cmd->add_option("--station", o->station, "station file (TOML)")->required();
  cmd->add_option("--time-scale", o->time_scale, "simulated seconds per wall second (default: the station's)")
      ->check(time_scale_check());
  cmd->callback([o] {
    auto station = load_station_or_exit(o->station);
    auto clock = std::make_shared<Clock>(scale_of(station, o->time_scale));
    boost::asio::io_context sim_io;
    // Any free ports: the demo must not collide with a `ledlab sim` already running.
    auto sim = engine::SimulatedStation::start(sim_io, station, clock, engine::SimulatedStation::Ports::any_free);
    if (!sim) {
      fmt::print(std::cerr, "error: {}\n", sim.error().message);
      throw Exit{2};
    }
    std::thread twins([&] { sim_io.run(); });
    fmt::print("simulated station '{}': {} lanes, time scale {}\n", station.name, (*sim)->bench()->lane_count(),
               clock->scale());
    if (auto st = light_up((*sim)->config()); !st) {
      fmt::print("error: {}\n", st.error().describe());
    }
    const int rc = check_station((*sim)->config(), true, std::cout);
    boost::asio::post(sim_io, [&] { (*sim)->stop(); });
    sim_io.stop();
    twins.join();
    throw Exit{rc};
  });
}

}  // namespace ledlab::cli
