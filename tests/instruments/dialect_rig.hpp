#pragma once
// A driver of any kind and dialect against its twin over loopback TCP, for the tests that go
// over every dialect of every kind: the twin may answer another *IDN? (SIM:IDN), and the
// link records every program message the driver writes.
#include "instruments/common/registry.hpp"
#include "instruments/common/twin_registry.hpp"
#include "io/link.hpp"
#include "tests/support/checks.hpp"
#include "tests/support/sim_station.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ledlab::test {

// Passes everything to the link it wraps and keeps what was written, one line per message.
class RecordingLink final : public io::Link {
 public:
  RecordingLink(std::unique_ptr<io::Link> inner, std::shared_ptr<std::vector<std::string>> written)
      : inner_(std::move(inner)), written_(std::move(written)) {}
  std::string describe() const override { return inner_->describe(); }
  bool is_open() const override { return inner_->is_open(); }
  boost::asio::awaitable<Status> connect(io::Millis timeout) override { return inner_->connect(timeout); }
  boost::asio::awaitable<Status> write(std::string_view bytes, io::Millis timeout) override {
    std::string text(bytes);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    written_->push_back(std::move(text));
    return inner_->write(bytes, timeout);
  }
  boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, io::Millis timeout) override {
    return inner_->read_some(buffer, timeout);
  }
  void cancel() override { inner_->cancel(); }
  void close() override { inner_->close(); }

 private:
  std::unique_ptr<io::Link> inner_;
  std::shared_ptr<std::vector<std::string>> written_;
};

// A config every kind's settings check accepts: an SMU's required limits, a switch's size.
inline instruments::InstrumentConfig workable_config(std::string kind, std::string driver,
                                                     instruments::IdentityPolicy policy = instruments::IdentityPolicy::refuse) {
  auto c = instrument_config("dut_tool", std::move(kind), std::move(driver));
  c.identity = policy;
  if (c.kind == "smu") c.limits = {{"max_current_a", 0.01}, {"max_compliance_v", 5}, {"max_compliance_a", 0.01}};
  if (c.kind == "optical_switch") c.options = {{"inputs", 1}, {"outputs", 4}};
  return c;
}

// A twin of `config` (answering *IDN? with `idn` unless empty) and a driver for it, not attached.
struct DialectRig {
  SimStation station;
  boost::asio::io_context io;
  std::shared_ptr<std::vector<std::string>> written = std::make_shared<std::vector<std::string>>();
  std::unique_ptr<instruments::Instrument> driver;

  explicit DialectRig(instruments::InstrumentConfig config, const std::string& idn = {}) {
    auto device = instruments::TwinRegistry::instance().make({config, station.bench(), station.clock()});
    REQUIRE(device);
    if (!idn.empty()) {
      scpi::server::ConnectionState conn;
      (*device)->execute("SIM:IDN \"" + idn + "\"", conn);
      REQUIRE((*device)->status().errors().empty());
    }
    config.address = "tcp://127.0.0.1:" + std::to_string(station.serve(*device));
    auto address = io::parse_address(config.address);
    REQUIRE(address);
    auto link = io::make_link(*address, io.get_executor());
    REQUIRE(link);
    auto session = std::make_unique<scpi::Session>(config.name, std::make_unique<RecordingLink>(std::move(*link), written),
                                                   config.session);
    auto made = instruments::DriverRegistry::instance().make(std::move(config), std::move(session));
    REQUIRE(made);
    driver = std::move(*made);
  }
  template <class T>
  T run(boost::asio::awaitable<T> op) {
    return test::run(io, std::move(op));
  }
};

}  // namespace ledlab::test
