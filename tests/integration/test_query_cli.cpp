// `ledlab query` against a twin, as a lab engineer runs it.
#include "scpi/server/device.hpp"
#include "support/cli_process.hpp"
#include "support/sim_station.hpp"

#include <catch2/catch.hpp>

using ledlab::test::run_ledlab;
using ledlab::test::SimStation;

TEST_CASE("ledlab query --check reports the instrument's error and exits 1 instead of aborting") {
  SimStation station;
  const auto port = station.serve(
      std::make_shared<ledlab::scpi::server::Device>(ledlab::scpi::server::Identity{"ACME", "ECHO", "42", "1.0"}));
  const std::string address = "tcp://127.0.0.1:" + std::to_string(port);
  // Once, `check ? co_await write_checked() : co_await write()` destroyed its result twice:
  // a garbled message, then free() aborted the process (exit 134).
  const auto r = run_ledlab("query " + address + " 'BOGUS:CMD' --check");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(r.out == "ledlab query: " + address + ": BOGUS:CMD -> instrument error: -113,\"Undefined header; BOGUS:CMD\"\n");

  const auto ok = run_ledlab("query " + address + " '*ESE 4' --check '*ESE?'");
  INFO(ok.out);
  CHECK(ok.code == 0);
  CHECK(ok.out == "4\n");
}
