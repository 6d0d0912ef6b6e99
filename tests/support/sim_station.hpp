#pragma once
// Test fixture: simulated twins served over real loopback sockets from their own thread (as a
// separate `ledlab sim` process would), and a client io_context on which tests run drivers.
#include "core/clock.hpp"
#include "instruments/common/instrument.hpp"
#include "instruments/common/registry.hpp"
#include "instruments/common/twin_registry.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/twin_log.hpp"
#include "instruments/sim/wiring.hpp"
#include "io/link.hpp"
#include "scpi/server/server.hpp"
#include "support/co_run.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ledlab::test {

class SimStation {
 public:
  explicit SimStation(sim::BenchConfig config = {}, double time_scale = 1.0)
      : SimStation(config, std::make_shared<Clock>(time_scale)) {}
  SimStation(sim::BenchConfig config, std::shared_ptr<Clock> clock)
      : clock_(std::move(clock)), bench_(std::make_shared<sim::Bench>(config, clock_)),
        work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

  ~SimStation() {
    on_thread([this] {
      for (auto& s : servers_) s->stop();
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  SimStation(const SimStation&) = delete;
  SimStation& operator=(const SimStation&) = delete;

  const std::shared_ptr<Clock>& clock() const { return clock_; }
  const std::shared_ptr<sim::Bench>& bench() const { return bench_; }
  // The wiring twins served from now on see (null: identity), and the log they share.
  void use_wiring(std::shared_ptr<sim::Wiring> wiring) { wiring_ = std::move(wiring); }
  const std::shared_ptr<sim::TwinLog>& twin_log() const { return log_; }

  // Serves a device; returns its port on 127.0.0.1.
  std::uint16_t serve(std::shared_ptr<scpi::server::Device> device) {
    return on_thread([&] {
      auto server = std::make_shared<scpi::server::Server>(io_, device, "127.0.0.1", 0, clock_);
      server->start();
      servers_.push_back(server);
      devices_.push_back(device);
      return server->port();
    });
  }

  // Builds the registered twin of `config.kind` over the shared bench and serves it.
  std::uint16_t serve_twin(const instruments::InstrumentConfig& config) {
    auto device = instruments::TwinRegistry::instance().make({config, bench_, clock_, wiring_, log_});
    if (!device) throw std::runtime_error(device.error().describe());
    return serve(*device);
  }

  // The server listening on `port`; read its counters through on_thread().
  std::shared_ptr<scpi::server::Server> server(std::uint16_t port) {
    return on_thread([&]() -> std::shared_ptr<scpi::server::Server> {
      for (auto& s : servers_)
        if (s->port() == port) return s;
      throw std::runtime_error("no twin serves port " + std::to_string(port));
    });
  }

  // Runs f on the twins' thread (twins are single-threaded, like an instrument's firmware).
  template <class F>
  auto on_thread(F&& f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return fut.get();
  }

 private:
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<sim::Bench> bench_;
  std::shared_ptr<sim::Wiring> wiring_;
  std::shared_ptr<sim::TwinLog> log_ = std::make_shared<sim::TwinLog>();
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::shared_ptr<scpi::server::Server>> servers_;
  std::vector<std::shared_ptr<scpi::server::Device>> devices_;
  std::thread thread_;
};

// A driver of `config.kind` connected to `port` on 127.0.0.1, not yet initialised.
inline std::unique_ptr<instruments::Instrument> make_driver(boost::asio::io_context& io,
                                                            instruments::InstrumentConfig config,
                                                            std::uint16_t port) {
  config.address = "tcp://127.0.0.1:" + std::to_string(port);
  auto address = io::parse_address(config.address);
  auto link = io::make_link(*address, io.get_executor());
  auto session = std::make_unique<scpi::Session>(config.name, std::move(*link), config.session);
  auto driver = instruments::DriverRegistry::instance().make(std::move(config), std::move(session));
  if (!driver) throw std::runtime_error(driver.error().describe());
  return std::move(*driver);
}

}  // namespace ledlab::test
