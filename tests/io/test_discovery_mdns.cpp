// The mDNS browser against the responder the twins use, over loopback unicast (RFC 6762
// section 6.7 legacy queries), and the responder's answers on their own.
#include "io/discovery/found.hpp"
#include "io/discovery/mdns_browse.hpp"
#include "io/discovery/mdns_responder.hpp"
#include "io/discovery/services.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>

using namespace ledlab::io;
using namespace ledlab::io::discovery;
namespace asio = boost::asio;

namespace {

std::vector<Announcement> two_twins() {
  std::vector<Announcement> services;
  services.push_back(Announcement{"opm (sim-bench)", Service::scpi_raw, 55101, lxi_txt("ledlab", "OPM-400", "7", "1.0")});
  services.push_back(Announcement{"bert (sim-bench)", Service::scpi_raw, 55103, lxi_txt("ledlab", "BERT-400", "8", "1.0")});
  return services;
}

MdnsResponderOptions loopback_options() {
  MdnsResponderOptions options;
  options.host_label = "ledlab-sim-bench";
  options.address = asio::ip::address_v4::loopback();
  options.port = 0;
  return options;
}

}  // namespace

TEST_CASE("each service type gives the VISA resource string its protocol uses") {
  CHECK(resource_for(Service::scpi_raw, "10.0.0.7", 5025) == "TCPIP0::10.0.0.7::5025::SOCKET");
  CHECK(resource_for(Service::hislip, "10.0.0.7", 4880) == "TCPIP0::10.0.0.7::hislip0,4880::INSTR");
  CHECK(resource_for(Service::vxi11, "10.0.0.7", 111) == "TCPIP0::10.0.0.7::inst0::INSTR");
  CHECK(resource_for(Service::lxi, "10.0.0.7", 80) == "TCPIP0::10.0.0.7::inst0::INSTR");
  CHECK(resource_for(Service::scpi_raw, "fe80::1", 5025) == "TCPIP0::[fe80::1]::5025::SOCKET");
  CHECK(service_from_type("_hislip._tcp") == Service::hislip);
  CHECK_FALSE(service_from_type("_http._tcp"));
}

TEST_CASE("an instrument found twice is listed once with both ways of finding it") {
  std::vector<Found> list;
  add_found(list, Found{"TCPIP0::h::inst0::INSTR", "mdns _lxi._tcp", "h", 80, "scope", {}, "", ""});
  add_found(list, Found{"TCPIP0::h::inst0::INSTR", "mdns _vxi-11._tcp", "h", 111, "scope", {}, "", ""});
  REQUIRE(list.size() == 1);
  CHECK(list[0].via == "mdns _lxi._tcp, mdns _vxi-11._tcp");
}

TEST_CASE("a legacy unicast query gets its ID and question back with TTLs of at most 10 s") {
  asio::io_context io;
  auto responder = MdnsResponder::start(io, loopback_options(), two_twins());
  REQUIRE(responder);
  dns::Message query;
  query.id = 0x1234;
  query.questions.push_back(dns::Question{dns::name_from_dotted("_scpi-raw._tcp.local"), 12, false});
  auto reply = (*responder)->answer(query, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 40000));
  REQUIRE(reply);
  CHECK(reply->unicast);
  CHECK(reply->message.id == 0x1234);
  REQUIRE(reply->message.questions.size() == 1);
  REQUIRE(reply->message.answers.size() == 2);
  // SRV and TXT of each instance and the host's A record ride along (RFC 6763 section 12).
  CHECK(reply->message.additionals.size() == 5);
  for (const auto& r : reply->message.answers) CHECK(r.ttl_s <= 10);
  for (const auto& r : reply->message.additionals) CHECK_FALSE(r.cache_flush);

  // RFC 6762 section 7.1: what the querier already knows is not repeated.
  query.answers.push_back(reply->message.answers[0]);
  query.answers[0].ttl_s = 4500;
  auto fewer = (*responder)->answer(query, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 40000));
  REQUIRE(fewer);
  CHECK(fewer->message.answers.size() == 1);

  dns::Message other;
  other.questions.push_back(dns::Question{dns::name_from_dotted("_http._tcp.local"), 12, false});
  CHECK_FALSE((*responder)->answer(other, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 40000)));
  (*responder)->stop();
}

TEST_CASE("a responder for this host only ignores queries from elsewhere") {
  asio::io_context io;
  auto options = loopback_options();
  options.local_only = true;
  auto responder = MdnsResponder::start(io, options, two_twins());
  REQUIRE(responder);
  dns::Message query;
  query.questions.push_back(dns::Question{dns::name_from_dotted("_scpi-raw._tcp.local"), 12, false});
  CHECK_FALSE((*responder)->answer(query, asio::ip::udp::endpoint(asio::ip::make_address_v4("192.0.2.1"), 5353)));
  CHECK((*responder)->answer(query, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 5353)));
  (*responder)->stop();
}

TEST_CASE("the browser finds every announced twin with its resource string and TXT keys") {
  asio::io_context io;
  auto responder = MdnsResponder::start(io, loopback_options(), two_twins());
  REQUIRE(responder);
  MdnsBrowseOptions options;
  options.timeout = std::chrono::milliseconds(1500);
  options.targets.emplace_back(asio::ip::address_v4::loopback(), (*responder)->port());
  std::optional<ledlab::Result<std::vector<Found>>> found;
  // The browser returns at its deadline; then the responder stops and the loop runs out.
  asio::co_spawn(io, browse_mdns(options), [&](std::exception_ptr e, ledlab::Result<std::vector<Found>> r) {
    if (e) std::rethrow_exception(e);
    found = std::move(r);
    (*responder)->stop();
  });
  io.run();
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  auto& list = **found;
  REQUIRE(list.size() == 2);
  std::sort(list.begin(), list.end(), [](const Found& a, const Found& b) { return a.port < b.port; });
  CHECK(list.at(0).resource == "TCPIP0::127.0.0.1::55101::SOCKET");
  CHECK(list.at(0).name == "opm (sim-bench)");
  CHECK(list.at(0).via == "mdns _scpi-raw._tcp");
  CHECK(list.at(1).resource == "TCPIP0::127.0.0.1::55103::SOCKET");
  const auto& details = list.at(1).details;
  CHECK(std::find(details.begin(), details.end(), std::pair<std::string, std::string>{"Model", "BERT-400"}) != details.end());
}

TEST_CASE("the responder lists its service types for a _services._dns-sd._udp query") {
  asio::io_context io;
  auto responder = MdnsResponder::start(io, loopback_options(), two_twins());
  REQUIRE(responder);
  dns::Message query;
  query.questions.push_back(dns::Question{dns::name_from_dotted("_services._dns-sd._udp.local"), 12, false});
  auto reply = (*responder)->answer(query, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 5353));
  REQUIRE(reply);
  // RFC 6763 section 9: one PTR per service type, however many instances share it.
  REQUIRE(reply->message.answers.size() == 1);
  CHECK(reply->message.answers[0].ptr == dns::name_from_dotted("_scpi-raw._tcp.local"));
  (*responder)->stop();
}

TEST_CASE("hostile packets to the responder are ignored and the next query is still answered") {
  asio::io_context io;
  auto responder = MdnsResponder::start(io, loopback_options(), two_twins());
  REQUIRE(responder);
  asio::ip::udp::socket client(io, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
  const asio::ip::udp::endpoint to(asio::ip::address_v4::loopback(), (*responder)->port());
  // A pointer loop, a truncated header, 9000 bytes of 0xC0, then a real query.
  const std::vector<std::vector<std::uint8_t>> hostile = {
      {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 12, 0, 1},
      {0, 0, 0},
      std::vector<std::uint8_t>(9000, 0xc0),
  };
  for (const auto& packet : hostile) client.send_to(asio::buffer(packet), to);
  dns::Message query;
  query.id = 7;
  query.questions.push_back(dns::Question{dns::name_from_dotted("_scpi-raw._tcp.local"), 12, false});
  auto bytes = dns::encode(query);
  REQUIRE(bytes);
  client.send_to(asio::buffer(*bytes), to);
  std::array<std::uint8_t, 9000> buffer{};
  std::optional<ledlab::Result<dns::Message>> reply;
  asio::steady_timer safety(io, std::chrono::seconds(10));  // a safety net only: the reply ends the wait
  safety.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) client.close();
  });
  client.async_receive(asio::buffer(buffer), [&](const boost::system::error_code& ec, std::size_t n) {
    if (!ec) reply = dns::decode(std::span(buffer.data(), n));
    safety.cancel();
    (*responder)->stop();
  });
  io.run();
  REQUIRE(reply.has_value());
  REQUIRE(reply->has_value());
  CHECK((*reply)->id == 7);
  CHECK((*reply)->answers.size() == 2);
}

namespace {

// A responder on the far side of a lossy LAN: the first query never arrives, the second is
// answered (PTR, SRV, A), as a legacy unicast reply.
asio::awaitable<void> answer_second_query(asio::ip::udp::socket& socket) {
  std::array<std::uint8_t, 9000> buffer{};
  asio::ip::udp::endpoint from;
  (void)co_await socket.async_receive_from(asio::buffer(buffer), from, asio::use_awaitable);  // lost
  const auto n = co_await socket.async_receive_from(asio::buffer(buffer), from, asio::use_awaitable);
  auto query = dns::decode(std::span(buffer.data(), n));
  if (!query) co_return;
  dns::Message reply;
  reply.id = query->id;
  reply.flags = dns::kFlagResponse | dns::kFlagAuthoritative;
  const auto instance = dns::name_from_dotted("scope._scpi-raw._tcp.local");
  reply.answers.push_back(dns::ptr_record(dns::name_from_dotted("_scpi-raw._tcp.local"), instance, 10));
  reply.additionals.push_back(dns::srv_record(instance, 5025, dns::name_from_dotted("scope.local"), 10));
  std::array<std::uint8_t, 4> loopback{};
  loopback[0] = 127;
  loopback[3] = 1;
  reply.additionals.push_back(dns::a_record(dns::name_from_dotted("scope.local"), loopback, 10));
  auto bytes = dns::encode(reply);
  if (!bytes) co_return;
  co_await socket.async_send_to(asio::buffer(*bytes), from, asio::use_awaitable);
}

}  // namespace

TEST_CASE("the browser asks again within its timeout, so one lost query does not lose the instrument") {
  asio::io_context io;
  asio::ip::udp::socket lossy(io, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
  asio::co_spawn(io, answer_second_query(lossy), asio::detached);
  MdnsBrowseOptions options;
  options.timeout = std::chrono::milliseconds(1200);
  options.services = {Service::scpi_raw};
  options.targets.emplace_back(asio::ip::address_v4::loopback(), lossy.local_endpoint().port());
  std::optional<ledlab::Result<std::vector<Found>>> found;
  asio::co_spawn(io, browse_mdns(options), [&](std::exception_ptr e, ledlab::Result<std::vector<Found>> r) {
    if (e) std::rethrow_exception(e);
    found = std::move(r);
    lossy.close();
  });
  io.run();
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  REQUIRE((*found)->size() == 1);
  CHECK((*found)->at(0).resource == "TCPIP0::127.0.0.1::5025::SOCKET");
}
