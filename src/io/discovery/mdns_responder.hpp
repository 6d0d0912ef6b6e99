#pragma once
// An mDNS / DNS-SD responder on Asio UDP (RFC 6762, RFC 6763) for the simulated twins: each
// announced instrument is one service instance (PTR from its service type, SRV to its port,
// TXT with its identity, A for the host), answered to queries and announced at start.
//
// Not done: probing for a unique name and conflict resolution (RFC 6762 sections 8.1, 9);
// instance names carry the station's name, which keeps twins of two stations apart.
#include "core/error.hpp"
#include "io/discovery/dns_message.hpp"
#include "io/discovery/services.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace ledlab::io::discovery {

struct Announcement {
  std::string instance;  // "pm1 (sim)": one label, at most 63 bytes (RFC 6763 section 4.1.1)
  Service service = Service::scpi_raw;
  std::uint16_t port = 0;
  std::vector<std::string> txt;  // "key=value" strings
};

// TXT strings for an instrument (LXI Device Specification 2011 section 10 names these keys;
// checked against lxi-tools' output, not against the specification's text).
std::vector<std::string> lxi_txt(std::string_view manufacturer, std::string_view model, std::string_view serial,
                                 std::string_view firmware);

struct MdnsResponderOptions {
  std::string host_label = "ledlab";  // the SRV target is <host_label>.local
  boost::asio::ip::address_v4 address;  // what the A record says; where the services listen
  std::uint16_t port = 5353;            // 0 in tests: any free port, unicast only
  // Answer only queries from this host, by unicast (services on a loopback address are of no
  // use to anyone else); no announcements.
  bool local_only = false;
};

class MdnsResponder : public std::enable_shared_from_this<MdnsResponder> {
 public:
  static Result<std::shared_ptr<MdnsResponder>> start(boost::asio::io_context& io, MdnsResponderOptions options,
                                                       std::vector<Announcement> services);
  ~MdnsResponder();
  std::uint16_t port() const;
  // Says goodbye (RFC 6762 section 10.1: the records again with TTL 0) and stops answering.
  void stop();

  // The response to one query from `from`, or nothing to send; public for the tests.
  struct Reply {
    dns::Message message;
    bool unicast = false;
  };
  std::optional<Reply> answer(const dns::Message& query, const boost::asio::ip::udp::endpoint& from) const;

 private:
  MdnsResponder(boost::asio::io_context& io, MdnsResponderOptions options, std::vector<Announcement> services);
  void receive();
  void announce(int remaining);
  void send(const dns::Message& message, const boost::asio::ip::udp::endpoint* unicast_to);
  std::vector<dns::Record> all_records(std::uint32_t ttl_s) const;
  bool is_local(const boost::asio::ip::address& from) const;

  MdnsResponderOptions options_;
  std::vector<Announcement> services_;
  dns::Name host_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer announce_timer_;
  std::array<std::uint8_t, 9000> buffer_{};
  boost::asio::ip::udp::endpoint sender_;
  bool stopped_ = false;
};

}  // namespace ledlab::io::discovery
