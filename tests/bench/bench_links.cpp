// Query round trips per second over each link kind, against the same twin (the thermal
// chamber) served by the same SimulatedStation as a run would use. The baseline, measured in
// the same run, is the raw SCPI socket: each row's ratio is what that link costs beside it.
//   bench_links [QUERIES]
// Each row: the address form the station file gives, the query, round trips per second through
// scpi::Session (connect excluded), and the ratio to raw TCP.
#include "core/clock.hpp"
#include "engine/sim_station.hpp"
#include "engine/station_config.hpp"
#include "io/link.hpp"
#include "io/serial_settings.hpp"
#include "scpi/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace ledlab;
namespace asio = boost::asio;

namespace {

struct Row {
  std::string label;    // the link kind
  std::string address;  // as a station file would give it (ports are chosen by the station)
  std::string driver;   // the chamber dialect the twin speaks on that link
  std::string query;    // one exchange: a reading of the chamber air
};

template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> task) {
  auto future = asio::co_spawn(io, std::move(task), asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

struct Measured {
  double per_s = 0;
  int failures = 0;
  std::string error;
};

asio::awaitable<int> exchange_n(scpi::Session& session, std::string query, int n) {
  int bad = 0;
  for (int i = 0; i < n; ++i) bad += !(co_await session.query(query));
  co_return bad;
}

// Serves one chamber twin on the row's link kind (on a thread of its own, as `ledlab sim`
// would from another process) and times `n` queries through a session on it.
Measured measure(const Row& row, int n) {
  engine::StationConfig station;
  station.name = "bench-links";
  station.source = "bench_links";
  instruments::InstrumentConfig chamber;
  chamber.name = "chamber";
  chamber.kind = "thermal_chamber";
  chamber.driver = row.driver;
  chamber.address = row.address;
  station.instruments.push_back(chamber);

  asio::io_context server_io;
  auto work = asio::make_work_guard(server_io);
  auto sim = engine::SimulatedStation::start(server_io, station, std::make_shared<Clock>(1.0),
                                             engine::SimulatedStation::Ports::any_free);
  if (!sim) return {0, 0, sim.error().describe()};
  std::thread server_thread([&] { server_io.run(); });
  Measured out;
  {
    const std::string served = (*sim)->config().instruments.front().address;
    auto address = io::parse_address(served);
    asio::io_context io;
    std::optional<scpi::Session> session;
    if (!address) out.error = address.error().describe();
    else if (auto link = io::make_link(*address, io.get_executor()); !link) out.error = link.error().describe();
    else {
      scpi::SessionOptions options;
      if (auto term = io::address_terminators(*address)) {  // a serial line frames with its own
        options.write_terminator = term->write;
        options.read_terminator = term->read;
      }
      session.emplace("chamber", std::move(*link), options);
    }
    if (session) {
      if (auto st = run_on(io, session->connect()); !st) out.error = st.error().describe();
      else {
        const auto t0 = std::chrono::steady_clock::now();
        out.failures = run_on(io, exchange_n(*session, row.query, n));
        out.per_s = n / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      session->close();
    }
  }
  asio::post(server_io, [&] { (*sim)->stop(); });
  work.reset();
  server_thread.join();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  const int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5000;
  std::vector<Row> rows;
  rows.push_back({"raw TCP (baseline)", "tcp://127.0.0.1:5025", "thermostream", "TMPA?"});
  rows.push_back({"USBTMC (simulated bus)", "usbtmc://1313:8078/BENCH1", "thermostream", "TMPA?"});
  rows.push_back({"VXI-11 (core channel)", "TCPIP0::127.0.0.1::chamber::INSTR", "thermostream", "TMPA?"});
  rows.push_back({"HiSLIP (overlapped)", "TCPIP0::127.0.0.1::hislip0::INSTR", "thermostream", "TMPA?"});
  // A pseudo-terminal moves bytes at memory speed whatever the baud rate: these rows are the cost
  // of the serial link and tty layer, not of an RS-232 line (9600 baud: ~25 ms per TEMP? exchange).
  rows.push_back({"serial (pty, SCPI)", "serial:///dev/ttyBENCH?baud=115200&term=lf", "thermostream", "TMPA?"});
  rows.push_back({"serial (pty, Espec)", "serial:///dev/ttyBENCH?baud=9600&term=crlf", "espec", "TEMP?"});
  // One register read (function 03) per query. On RTU every transaction also keeps the line
  // silent for t3.5 (1.75 ms above 19200 baud, Modbus over Serial Line V1.02 2.5.1.1).
  rows.push_back({"Modbus TCP (F4T map)", "modbus-tcp://127.0.0.1:1502?unit=1&map=watlow-f4t", "watlow-f4t-modbus", "PV?"});
  rows.push_back({"Modbus RTU (pty, 3200 map)", "modbus-rtu:///dev/ttyBENCH?baud=115200&unit=1&map=eurotherm-3200",
                  "eurotherm-3200", "PV?"});

  // Rounds interleave the rows, so a burst of load elsewhere on the machine falls on all of
  // them alike; each row's figure is its median round, each ratio the median of the per-round
  // ratios to raw TCP measured in the same round.
  const int rounds = argc > 2 ? std::clamp(std::atoi(argv[2]), 1, 99) : 5;
  fmt::print("Query round trips per second to the chamber twin: {} queries per link kind, median of {} rounds\n", n,
             rounds);
  std::vector<std::vector<double>> rates(rows.size()), ratios(rows.size());
  std::vector<std::string> errors(rows.size());
  std::vector<int> failures(rows.size(), 0);
  for (int r = 0; r < rounds; ++r) {
    double baseline = 0;  // this round's raw TCP
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto m = measure(rows[i], n);
      if (i == 0) baseline = m.per_s;
      if (!m.error.empty()) {
        errors[i] = m.error;
        continue;
      }
      failures[i] += m.failures;
      rates[i].push_back(m.per_s);
      if (baseline > 0) ratios[i].push_back(m.per_s / baseline);
    }
  }
  const auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::ranges::sort(v);
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rates[i].empty()) {
      fmt::print("  {:<26} not measured: {}\n", rows[i].label, errors[i]);
      continue;
    }
    const auto [lo, hi] = std::ranges::minmax(rates[i]);
    const std::string ratio = ratios[i].empty() ? "n/a" : fmt::format("{:.2f}", median(ratios[i]));
    fmt::print("  {:<26} {:<6} {:>8.0f} /s (rounds {:.0f}..{:.0f})   ratio to raw TCP {}{}\n", rows[i].label,
               rows[i].query, median(rates[i]), lo, hi, ratio,
               failures[i] ? fmt::format("   !! {} failed", failures[i]) : "");
  }
  return 0;
}
