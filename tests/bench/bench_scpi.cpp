// SCPI query round trips per second over loopback to a simulated twin.
// Baseline, measured in the same run: the same exchange on a bare blocking socket (no session,
// no coroutines), so the ratio is what ledlab's client layer costs on top of the transport.
#include "instruments/common/twin_registry.hpp"
#include "scpi/session.hpp"
#include "support/sim_station.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <chrono>

using namespace ledlab;
namespace asio = boost::asio;
using Clock_ = std::chrono::steady_clock;

namespace {

double seconds_since(Clock_::time_point t0) { return std::chrono::duration<double>(Clock_::now() - t0).count(); }

double raw_socket_rate(std::uint16_t port, const std::string& query, int n) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  s.set_option(asio::ip::tcp::no_delay(true));
  asio::streambuf buf;
  const std::string msg = query + "\n";
  const auto t0 = Clock_::now();
  for (int i = 0; i < n; ++i) {
    asio::write(s, asio::buffer(msg));
    const auto len = asio::read_until(s, buf, '\n');
    buf.consume(len);
  }
  return n / seconds_since(t0);
}

double session_rate(asio::io_context& io, std::uint16_t port, const std::string& query, int n, bool block) {
  auto address = io::parse_address("tcp://127.0.0.1:" + std::to_string(port));
  scpi::Session session("opm", std::move(*io::make_link(*address, io.get_executor())));
  test::run(io, session.connect());
  const auto t0 = Clock_::now();
  int failures = test::run(io, [&]() -> asio::awaitable<int> {
    int bad = 0;
    for (int i = 0; i < n; ++i) {
      if (block) bad += !(co_await session.query_block(query));
      else bad += !(co_await session.query(query));
    }
    co_return bad;
  }());
  const double rate = n / seconds_since(t0);
  if (failures) fmt::print("  !! {} failed queries\n", failures);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  test::SimStation station;
  instruments::InstrumentConfig cfg;
  cfg.name = "opm";
  cfg.kind = "power_meter";
  const auto port = station.serve_twin(cfg);
  asio::io_context io;

  fmt::print("SCPI round trips over loopback to the power meter twin ({} queries each)\n", n);
  for (const char* q : {"*IDN?", "MEAS1:POW?"}) {
    const double raw = raw_socket_rate(port, q, n);
    const double ses = session_rate(io, port, q, n, false);
    fmt::print("  {:<12} session {:>9.0f} /s   raw socket {:>9.0f} /s   ratio {:.2f}\n", q, ses, raw, ses / raw);
  }
  const int nb = std::max(1, n / 20);
  const double blk = session_rate(io, port, "READ:POW:ALL?", nb, true);
  fmt::print("  {:<12} session {:>9.0f} /s   ({} channels x 8 bytes per block, {:.1f} MB/s)\n", "READ:POW:ALL?", blk,
             400, blk * 3200 / 1e6);
  return 0;
}
