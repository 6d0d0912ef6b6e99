// VXI-11 discovery: the portmapper GETPORT call broadcast over UDP, answered by the VXI-11
// twin server's portmapper, then *IDN? over the VXI-11 link to what answered.
#include "io/discovery/identify.hpp"
#include "io/discovery/vxi11_broadcast.hpp"
#include "io/vxi11/rpc.hpp"
#include "io/vxi11/xdr.hpp"
#include "scpi/server/device.hpp"
#include "scpi/server/vxi11_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <thread>
#include <unistd.h>

using namespace ledlab;
using namespace ledlab::io::discovery;
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

std::shared_ptr<scpi::server::Device> twin() {
  return std::make_shared<scpi::server::Device>(scpi::server::Identity{"ledlab", "PM-VXI-SIM", "42", "1.0"});
}

// Runs discovery then *IDN? on one io_context; the server is stopped when both are done.
std::vector<Found> discover_and_identify(asio::io_context& io, Vxi11BroadcastOptions options,
                                         std::shared_ptr<scpi::server::Vxi11Server> server, std::string& error) {
  std::vector<Found> found;
  auto work = [&]() -> asio::awaitable<void> {
    auto r = co_await broadcast_vxi11(options);
    if (!r) {
      error = r.error().describe();
    } else {
      found = std::move(*r);
      co_await identify_all(found, std::chrono::milliseconds(2000));
    }
    if (server) server->stop();
  };
  asio::co_spawn(io, work(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return found;
}

std::string hex(std::string_view bytes) {
  std::string s;
  for (unsigned char c : bytes) s += fmt::format("{:02x}", c);
  return s;
}

}  // namespace

TEST_CASE("the GETPORT call asks the portmapper for DEVICE_CORE version 1 over TCP, byte for byte") {
  // RFC 5531 section 9 call header (xid, CALL, RPC 2, program 100000, version 2, procedure 3,
  // AUTH_NONE credentials and verifier), then RFC 1833's mapping {0x0607AF, 1, 6, 0}.
  CHECK(hex(vxi11_getport_call(0x01020304)) ==
        "01020304" "00000000" "00000002" "000186a0" "00000002" "00000003"
        "00000000" "00000000" "00000000" "00000000"
        "000607af" "00000001" "00000006" "00000000");
}

TEST_CASE("the VXI-11 call finds the twin server's portmapper and IDN reads through the VXI-11 link") {
  asio::io_context io;
  auto server = std::make_shared<scpi::server::Vxi11Server>(io, nullptr);
  server->add_device("inst0", twin());
  server->start();
  Vxi11BroadcastOptions options;
  options.timeout = std::chrono::milliseconds(800);
  options.targets.emplace_back(asio::ip::address_v4::loopback(), server->portmapper_port());
  std::string error;
  auto found = discover_and_identify(io, options, server, error);
  INFO(error);
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == fmt::format("vxi11://127.0.0.1:{}/inst0", server->portmapper_port()));
  CHECK(found[0].via == "vxi11 broadcast");
  CHECK(found[0].error == "");
  CHECK(found[0].idn == "ledlab,PM-VXI-SIM,42,1.0");
}

TEST_CASE("answers that are not the GETPORT reply, or say the core channel is not there, are skipped") {
  asio::io_context io;
  udp::socket peer(io, udp::endpoint(asio::ip::address_v4::loopback(), 0));
  Vxi11BroadcastOptions options;
  options.timeout = std::chrono::milliseconds(600);
  options.targets.emplace_back(asio::ip::address_v4::loopback(), peer.local_endpoint().port());
  // A peer that answers garbage, a reply to another call, and "not registered" (port 0).
  auto hostile = [&]() -> asio::awaitable<void> {
    std::array<char, 512> buf{};
    udp::endpoint from;
    const auto n = co_await peer.async_receive_from(asio::buffer(buf), from, asio::use_awaitable);
    io::xdr::Reader call_in(std::string_view(buf.data(), n));
    auto call = io::rpc::decode_call(call_in);
    if (!call) co_return;
    const std::string garbage = "\x01\x02\x03";
    co_await peer.async_send_to(asio::buffer(garbage), from, asio::use_awaitable);
    std::array<std::uint32_t, 2> xids{};  // no braced list in a coroutine (GCC 12)
    xids[0] = call->xid + 1;
    xids[1] = call->xid;
    for (std::uint32_t xid : xids) {
      io::xdr::Writer w;
      io::rpc::encode_accepted(w, xid, io::rpc::AcceptStat::success);
      w.u32(xid == call->xid ? 0 : 4321);
      const auto reply = w.take();
      co_await peer.async_send_to(asio::buffer(reply), from, asio::use_awaitable);
    }
  };
  asio::co_spawn(io, hostile(), [](std::exception_ptr) {});
  std::string error;
  auto found = discover_and_identify(io, options, nullptr, error);
  CHECK(error.empty());
  CHECK(found.empty());
}

// Inside a network namespace with a veth pair (the visible test below starts it): the call
// really is broadcast, to port 111, and the twin's portmapper there answers.
TEST_CASE("netns: a broadcast GETPORT finds the twin on port 111 and lxi-tools finds it too", "[.netns]") {
  asio::io_context io;
  scpi::server::Vxi11Server::Options server_options;
  server_options.bind_address = "0.0.0.0";
  server_options.portmapper_port = 111;
  auto server = std::make_shared<scpi::server::Vxi11Server>(io, nullptr, server_options);
  server->add_device("inst0", twin());
  server->start();
  std::thread serving([&] { io.run(); });
  Vxi11BroadcastOptions options;
  options.timeout = std::chrono::milliseconds(800);
  std::string error;
  asio::io_context client_io;
  auto found = discover_and_identify(client_io, options, nullptr, error);

  // lxi-tools' `lxi discover` broadcasts the same call, then asks *IDN? over VXI-11.
  std::string lxi;
  if (FILE* p = popen("lxi discover -t 1 2>&1", "r")) {
    std::array<char, 512> buf{};
    while (auto n = fread(buf.data(), 1, buf.size(), p)) lxi.append(buf.data(), n);
    pclose(p);
  }
  asio::post(io, [&] { server->stop(); });
  serving.join();

  INFO(error);
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "TCPIP0::10.9.0.1::inst0::INSTR");
  CHECK(found[0].idn == "ledlab,PM-VXI-SIM,42,1.0");
  INFO(lxi);
  CHECK_THAT(lxi, Catch::Contains("10.9.0.1") && Catch::Contains("PM-VXI-SIM"));
}

TEST_CASE("a broadcast GETPORT in a network namespace finds the VXI-11 twin as TCPIP0::host::inst0::INSTR") {
  if (std::system("unshare -rn true") != 0) {
    WARN("unshare -rn is not permitted here: VXI-11 broadcast not tested");
    return;
  }
  char self[4096] = {};
  const auto n = readlink("/proc/self/exe", self, sizeof self - 1);
  REQUIRE(n > 0);
  const std::string cmd = fmt::format(
      "unshare -rn sh -c 'ip link set lo up && ip link add v0 type veth peer name v1 && "
      "ip addr add 10.9.0.1/24 brd + dev v0 && ip link set v0 up && ip link set v1 up && exec {} \"[netns]\"' 2>&1",
      std::string(self, static_cast<std::size_t>(n)));
  std::string out;
  int status = -1;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    std::array<char, 4096> buf{};
    while (auto k = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), k);
    status = pclose(p);
  }
  INFO(out);
  CHECK(status == 0);
  CHECK_THAT(out, Catch::Contains("All tests passed"));
}
