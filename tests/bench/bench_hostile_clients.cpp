// *IDN? latency of a fresh client to each twin while hostile clients are connected: one holds
// half a line, one streams 100 MB without a terminator, one sends a query storm and never
// reads, one sends a malformed block header. Prints the latencies and each server's peak
// buffered input, which the input buffer bounds whatever the hostile clients send.
#include "instruments/common/instrument.hpp"
#include "scpi/server/server.hpp"
#include "support/raw_client.hpp"
#include "support/sim_station.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace ledlab;
using ledlab::test::RawClient;
using Clock_ = std::chrono::steady_clock;

int main() {
  test::SimStation station;
  struct Twin {
    std::string kind;
    std::uint16_t port;
  };
  std::vector<Twin> twins;
  for (const char* kind : {"power_meter", "bert", "thermal_chamber", "pattern_generator"}) {
    instruments::InstrumentConfig cfg;
    cfg.name = cfg.kind = kind;
    twins.push_back({kind, station.serve_twin(cfg)});
  }

  std::vector<std::unique_ptr<RawClient>> hostile;
  std::vector<std::thread> senders;
  std::atomic<bool> stop{false};
  for (const auto& t : twins) {
    hostile.push_back(std::make_unique<RawClient>(t.port));
    hostile.back()->send_all("*IDN");
    hostile.push_back(std::make_unique<RawClient>(t.port));
    std::string storm;
    const std::string query = t.kind == "power_meter" ? "READ:POW:ALL?;" : "*IDN?;";
    while (storm.size() + query.size() < 1000000) storm += query;
    hostile.back()->send_all(storm + "\n");
    hostile.push_back(std::make_unique<RawClient>(t.port));
    hostile.back()->send_all("*ESE #1,\n");
    hostile.push_back(std::make_unique<RawClient>(t.port));
    senders.emplace_back([c = hostile.back().get(), &stop] {
      const std::string chunk(1u << 20, 'A');
      for (int i = 0; i < 100 && !stop; ++i)
        if (!c->send_all(chunk)) return;
    });
  }

  fmt::print("{:<20}{:>12}{:>12}{:>12}{:>22}\n", "twin", "p50 ms", "max ms", "answered", "peak buffered bytes");
  for (const auto& t : twins) {
    std::vector<double> ms;
    int answered = 0;
    for (int i = 0; i < 20; ++i) {
      const auto t0 = Clock_::now();
      RawClient fresh(t.port);
      if (fresh.ask("*IDN?")) ++answered;
      ms.push_back(std::chrono::duration<double, std::milli>(Clock_::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const auto server = station.server(t.port);
    const auto peak = station.on_thread([&] { return server->peak_input_bytes(); });
    fmt::print("{:<20}{:>12.2f}{:>12.2f}{:>9}/20{:>22}\n", t.kind, ms[ms.size() / 2], ms.back(), answered, peak);
  }
  stop = true;
  for (auto& s : senders) s.join();
  const auto server = station.server(twins.front().port);
  fmt::print("after 100 MB per huge line: peak buffered input {} bytes (input buffer {} bytes)\n",
             station.on_thread([&] { return server->peak_input_bytes(); }), scpi::server::Device::Buffers{}.input_bytes);
  return 0;
}
