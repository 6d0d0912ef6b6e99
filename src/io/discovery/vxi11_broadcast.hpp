#pragma once
// VXI-11 discovery as LXI tools do it: one portmapper GETPORT call for the VXI-11 core
// channel (program 0x0607AF version 1, TCP) broadcast over UDP to every interface's broadcast
// address; every instrument whose portmapper answers is one VXI-11 device
// (VXI-11 Rev 1.0 section B.6: the core channel is registered with the portmapper;
// RFC 1833 section 3.2: PMAPPROC_GETPORT).
#include "core/error.hpp"
#include "io/discovery/found.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace ledlab::io::discovery {

struct Vxi11BroadcastOptions {
  std::chrono::milliseconds timeout{2000};  // how long answers are collected
  // Where the call goes. Empty: port 111 at the broadcast address of every interface that
  // has one. Tests name a portmapper's unicast endpoint instead.
  std::vector<boost::asio::ip::udp::endpoint> targets;
};

// The GETPORT call as sent, for the tests: the RPC call header (RFC 5531 section 9) and
// the mapping {0x0607AF, 1, IPPROTO_TCP, 0} (RFC 1833 section 3), no record marking (UDP).
std::string vxi11_getport_call(std::uint32_t xid);

// Every host whose portmapper answered with a port for the core channel, as
// TCPIP0::<host>::inst0::INSTR (vxi11://host:port/inst0 for a portmapper off port 111). Malformed or unrelated answers are skipped (logged).
// Errc::io when the call could not be sent anywhere.
boost::asio::awaitable<Result<std::vector<Found>>> broadcast_vxi11(Vxi11BroadcastOptions options);

}  // namespace ledlab::io::discovery
