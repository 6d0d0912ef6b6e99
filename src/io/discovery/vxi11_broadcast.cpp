#include "io/discovery/vxi11_broadcast.hpp"

#include "core/log.hpp"
#include "io/discovery/interfaces.hpp"
#include "io/discovery/services.hpp"
#include "io/vxi11/rpc.hpp"
#include "io/vxi11/xdr.hpp"
#include "io/with_timeout.hpp"

#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include <array>
#include <random>

namespace ledlab::io::discovery {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::string_view kLog = "vxi11-discover";
constexpr std::uint32_t kDeviceCore = 0x0607AF;  // VXI-11 Rev 1.0 section B.6: DEVICE_CORE
constexpr std::uint32_t kDeviceCoreVersion = 1;

rpc::CallHeader getport_header(std::uint32_t xid) {
  rpc::CallHeader call;
  call.xid = xid;
  call.program = rpc::portmap::kProgram;
  call.version = rpc::portmap::kVersion;
  call.procedure = rpc::portmap::kProcGetPort;
  return call;
}

// The core channel's port from one answer, or why the answer is not one.
Result<std::uint32_t> core_port(std::string_view datagram, const rpc::CallHeader& call) {
  xdr::Reader in(datagram);
  auto reply = rpc::decode_reply(in);
  if (!reply) return fail(reply.error());
  if (auto st = rpc::check_reply(*reply, call); !st) return fail(st.error());
  auto port = in.u32("port");
  if (!port) return fail(port.error());
  // RFC 1833 section 3.2: port 0 means the program is not registered there.
  if (*port == 0 || *port > 0xFFFF) return fail(Errc::protocol, fmt::format("no VXI-11 core channel (port {})", *port));
  return *port;
}

}  // namespace

std::string vxi11_getport_call(std::uint32_t xid) {
  xdr::Writer out;
  rpc::encode_call(out, getport_header(xid));
  rpc::portmap::Mapping mapping;
  mapping.program = kDeviceCore;
  mapping.version = kDeviceCoreVersion;
  mapping.protocol = rpc::portmap::kIpProtoTcp;
  rpc::portmap::encode_mapping(out, mapping);
  return out.take();
}

asio::awaitable<Result<std::vector<Found>>> broadcast_vxi11(Vxi11BroadcastOptions options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  udp::socket socket(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  socket.open(udp::v4(), ec);
  if (!ec) socket.set_option(asio::socket_base::broadcast(true), ec);
  if (!ec) socket.bind(udp::endpoint(udp::v4(), 0), ec);
  if (ec) co_return fail(Errc::io, fmt::format("VXI-11 broadcast: cannot open a UDP socket: {}", ec.message()));

  std::vector<udp::endpoint> targets = options.targets;
  if (targets.empty())
    for (const auto& itf : ipv4_interfaces())
      if (!itf.loopback && !itf.broadcast.is_unspecified()) targets.emplace_back(itf.broadcast, rpc::portmap::kPort);
  if (targets.empty())
    co_return fail(Errc::io, "VXI-11 broadcast: no interface with a broadcast address is up");

  // RFC 5531 section 9: the xid only has to tell this call's answers from others'.
  const auto xid = static_cast<std::uint32_t>(std::random_device{}());
  const auto call = vxi11_getport_call(xid);
  int sent = 0;
  std::string errors;
  for (const auto& to : targets) {
    socket.send_to(asio::buffer(call), to, 0, ec);
    if (ec) errors += fmt::format("{}{}: {}", errors.empty() ? "" : "; ", to.address().to_string(), ec.message());
    else ++sent;
  }
  if (sent == 0) co_return fail(Errc::io, fmt::format("VXI-11 broadcast: the call could not be sent ({})", errors));
  if (!errors.empty()) log::info(kLog, "not sent everywhere: {}", errors);

  std::vector<Found> found;
  std::array<char, 1500> buffer{};  // a GETPORT reply is 28 bytes; anything bigger is not one
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    udp::endpoint sender;
    auto got = co_await with_timeout(
        [&](auto token) { return socket.async_receive_from(asio::buffer(buffer), sender, token); }, deadline - now);
    if (!got) break;
    auto [rec, n] = *got;
    if (rec) {
      log::info(kLog, "receive failed: {}", rec.message());
      break;
    }
    auto port = core_port(std::string_view(buffer.data(), n), getport_header(xid));
    if (!port) {
      log::info(kLog, "ignored an answer from {}: {}", sender.address().to_string(), port.error().message);
      continue;
    }
    Found f;
    f.host = sender.address().to_string();
    f.port = sender.port();  // the portmapper's, which the link asks again
    f.via = "vxi11 broadcast";
    f.resource = resource_for(Service::vxi11, f.host, f.port);
    f.details.emplace_back("core_port", std::to_string(*port));
    add_found(found, std::move(f));
  }
  co_return found;
}

}  // namespace ledlab::io::discovery
