// `ledlab query` against a twin, as a lab engineer runs it.
#include "scpi/server/device.hpp"
#include "scpi/server/serial_server.hpp"
#include "support/cli_process.hpp"
#include "support/sim_station.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <thread>

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

TEST_CASE("ledlab query reaches a serial instrument by its serial:// address, framing with the line's CR") {
  boost::asio::io_context io;
  auto device = std::make_shared<ledlab::scpi::server::Device>(ledlab::scpi::server::Identity{"ACME", "SERIAL", "7", "1.0"});
  ledlab::io::SerialSettings line;
  REQUIRE(ledlab::io::apply_serial_options(line, "baud=19200&term=cr"));
  auto server = std::make_shared<ledlab::scpi::server::SerialServer>(io, device, line);
  REQUIRE(server->start());
  auto work = boost::asio::make_work_guard(io);
  std::thread twin([&] { io.run(); });
  const auto r = run_ledlab("query '" + server->address() + "' '*IDN?'");
  boost::asio::post(io, [&] { server->stop(); });
  work.reset();
  twin.join();
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out == "ACME,SERIAL,7,1.0\n");
}
