#pragma once
// The machine's IPv4 interfaces that are up: where mDNS queries and announcements go out
// (multicast ones) and where VXI-11 discovery broadcasts (each one's broadcast address).
#include <boost/asio/ip/address_v4.hpp>

#include <string>
#include <vector>

namespace ledlab::io::discovery {

struct Ipv4Interface {
  std::string name;  // "eth0"
  boost::asio::ip::address_v4 address;
  boost::asio::ip::address_v4 broadcast;  // unspecified when the interface has none
  bool loopback = false;
  bool multicast = false;
};

std::vector<Ipv4Interface> ipv4_interfaces();

}  // namespace ledlab::io::discovery
