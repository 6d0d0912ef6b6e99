#pragma once
// An mDNS / DNS-SD browser on Asio UDP (RFC 6762, RFC 6763), without an avahi daemon: asks
// for the instrument service types on every multicast interface and collects what answers.
#include "core/error.hpp"
#include "io/discovery/found.hpp"
#include "io/discovery/services.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <vector>

namespace ledlab::io::discovery {

struct MdnsBrowseOptions {
  std::chrono::milliseconds timeout{2000};  // how long answers are collected
  std::vector<Service> services{all_services().begin(), all_services().end()};
  // Where queries go. Empty: 224.0.0.251:5353 out of every multicast interface. Tests name a
  // responder's unicast endpoint instead.
  std::vector<boost::asio::ip::udp::endpoint> targets;
};

// The mDNS group (RFC 6762 section 3).
boost::asio::ip::udp::endpoint mdns_group();

// Every instance of the asked service types that answered within the timeout, with the VISA
// resource string its SRV and A records give. Malformed packets are skipped (logged), never
// fatal. Errc::io when no query could be sent at all.
boost::asio::awaitable<Result<std::vector<Found>>> browse_mdns(MdnsBrowseOptions options);

}  // namespace ledlab::io::discovery
