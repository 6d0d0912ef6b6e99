// Every twin of a station keeps answering a fresh client while others misbehave on purpose:
// half a line held open, a line of many megabytes with no terminator, one program message of
// thousands of queries whose replies are never read, and a malformed block header.
#include "instruments/common/instrument.hpp"
#include "scpi/server/server.hpp"
#include "support/raw_client.hpp"
#include "support/sim_station.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace ledlab;
using ledlab::test::RawClient;
using ledlab::test::SimStation;

namespace {

struct Twin {
  std::string kind;
  std::uint16_t port = 0;
};

// All the SYST:ERR? entries of a twin, oldest first.
std::vector<int> error_codes(RawClient& c) {
  std::vector<int> codes;
  for (int i = 0; i < 64; ++i) {
    auto e = c.ask("SYST:ERR?");
    REQUIRE(e);
    const int code = std::stoi(*e);
    if (code == 0) break;
    codes.push_back(code);
  }
  return codes;
}

bool holds(const std::vector<int>& codes, int code) { return std::find(codes.begin(), codes.end(), code) != codes.end(); }

}  // namespace

TEST_CASE("every twin answers *IDN? to a fresh client while hostile clients are connected") {
  SimStation station;
  std::vector<Twin> twins;
  for (const char* kind : {"power_meter", "bert", "thermal_chamber", "pattern_generator"}) {
    instruments::InstrumentConfig cfg;
    cfg.name = kind;
    cfg.kind = kind;
    twins.push_back({kind, station.serve_twin(cfg)});
  }
  const std::size_t input_bytes = scpi::server::Device::Buffers{}.input_bytes;
  const std::size_t huge_bytes = 16u << 20;

  std::vector<std::unique_ptr<RawClient>> hostile;
  std::vector<std::unique_ptr<RawClient>> huge;
  std::vector<std::thread> senders;
  for (const auto& t : twins) {
    auto half = std::make_unique<RawClient>(t.port);
    REQUIRE(half->send_all("*IDN"));  // and then nothing, for as long as the test runs
    auto storm = std::make_unique<RawClient>(t.port);
    // Its replies outgrow the output queue; every unit is a defined query, so the error queue
    // keeps room for the errors checked below.
    const std::string query = t.kind == "power_meter" ? "READ:POW:ALL?;" : "*IDN?;";
    std::string queries;
    for (int i = 0; i < 60000; ++i) queries += query;
    REQUIRE(storm->send_all(queries + "\n"));  // its replies are never read
    auto ese = std::make_unique<RawClient>(t.port);
    REQUIRE(ese->send_all("*ESE #1,\n"));
    hostile.push_back(std::move(half));
    hostile.push_back(std::move(storm));
    hostile.push_back(std::move(ese));
    huge.push_back(std::make_unique<RawClient>(t.port));
    senders.emplace_back([c = huge.back().get(), huge_bytes] {
      const std::string block(1u << 20, 'A');
      for (std::size_t sent = 0; sent < huge_bytes; sent += block.size())
        if (!c->send_all(block)) return;
    });
  }

  // While the huge lines are still on their way:
  for (const auto& t : twins) {
    INFO(t.kind);
    RawClient fresh(t.port);
    auto idn = fresh.ask("*IDN?");
    REQUIRE(idn);
    CHECK(idn->find(',') != std::string::npos);
  }
  for (auto& s : senders) s.join();

  for (std::size_t i = 0; i < twins.size(); ++i) {
    INFO(twins[i].kind);
    // The huge line is refused once and skipped to its terminator; the connection goes on.
    auto after = huge[i]->ask("\n*IDN?");
    REQUIRE(after);
    CHECK(after->find(',') != std::string::npos);
    const auto server = station.server(twins[i].port);
    const auto peak = station.on_thread([&] { return server->peak_input_bytes(); });
    CHECK(peak <= input_bytes + (64u << 10));

    RawClient fresh(twins[i].port);
    const auto codes = error_codes(fresh);
    CHECK(holds(codes, -363));  // input buffer overrun: the huge line
    CHECK(holds(codes, -161));  // invalid block data: *ESE #1,
    CHECK(holds(codes, -223));  // too much data: the storm's replies
    CHECK(fresh.ask("*IDN?"));
  }
}
