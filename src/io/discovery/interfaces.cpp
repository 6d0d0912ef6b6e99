#include "io/discovery/interfaces.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace ledlab::io::discovery {

namespace {

boost::asio::ip::address_v4 v4(const sockaddr* sa) {
  if (sa == nullptr || sa->sa_family != AF_INET) return {};
  return boost::asio::ip::address_v4(ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr));
}

}  // namespace

std::vector<Ipv4Interface> ipv4_interfaces() {
  std::vector<Ipv4Interface> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_UP) == 0) continue;
    Ipv4Interface itf;
    itf.name = i->ifa_name;
    itf.address = v4(i->ifa_addr);
    itf.loopback = (i->ifa_flags & IFF_LOOPBACK) != 0;
    itf.multicast = (i->ifa_flags & IFF_MULTICAST) != 0;
    if ((i->ifa_flags & IFF_BROADCAST) != 0) itf.broadcast = v4(i->ifa_broadaddr);
    out.push_back(std::move(itf));
  }
  freeifaddrs(list);
  return out;
}

}  // namespace ledlab::io::discovery
