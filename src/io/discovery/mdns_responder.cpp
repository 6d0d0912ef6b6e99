#include "io/discovery/mdns_responder.hpp"

#include "core/log.hpp"
#include "io/discovery/interfaces.hpp"
#include "io/discovery/mdns_browse.hpp"

#include <boost/asio/ip/multicast.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace ledlab::io::discovery {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::string_view kLog = "mdns";
// RFC 6762 section 10: 120 s for records naming a host (SRV, A), 75 minutes for the others.
constexpr std::uint32_t kHostTtl = 120;
constexpr std::uint32_t kOtherTtl = 4500;
// RFC 6762 section 6.7: a legacy unicast answer carries a TTL of at most 10 s.
constexpr std::uint32_t kLegacyTtl = 10;
constexpr std::uint16_t kMdnsPort = 5353;

dns::Name with_local(std::string_view dotted) {
  auto name = dns::name_from_dotted(dotted);
  name.emplace_back("local");
  return name;
}

dns::Name instance_name(const Announcement& a) {
  dns::Name name{a.instance};
  for (auto& label : with_local(service_type(a.service))) name.push_back(std::move(label));
  return name;
}

bool has_type(const dns::Question& q, dns::Type type) {
  return q.type == static_cast<std::uint16_t>(type) || q.type == static_cast<std::uint16_t>(dns::Type::any);
}

bool same_record(const dns::Record& a, const dns::Record& b) {
  return a.type == b.type && dns::same_name(a.name, b.name) &&
         (a.type != static_cast<std::uint16_t>(dns::Type::ptr) || dns::same_name(a.ptr, b.ptr));
}

void add_once(std::vector<dns::Record>& into, dns::Record r) {
  if (std::none_of(into.begin(), into.end(), [&](const dns::Record& x) { return same_record(x, r); }))
    into.push_back(std::move(r));
}

}  // namespace

std::vector<std::string> lxi_txt(std::string_view manufacturer, std::string_view model, std::string_view serial,
                                 std::string_view firmware) {
  std::vector<std::string> txt;
  txt.push_back("txtvers=1");
  txt.push_back(fmt::format("Manufacturer={}", manufacturer));
  txt.push_back(fmt::format("Model={}", model));
  txt.push_back(fmt::format("SerialNumber={}", serial));
  txt.push_back(fmt::format("FirmwareVersion={}", firmware));
  for (auto& s : txt) s.resize(std::min<std::size_t>(s.size(), 255));  // RFC 6763 section 6.1
  return txt;
}

MdnsResponder::MdnsResponder(asio::io_context& io, MdnsResponderOptions options, std::vector<Announcement> services)
    : options_(std::move(options)),
      services_(std::move(services)),
      host_{options_.host_label, "local"},
      socket_(io),
      announce_timer_(io) {}

MdnsResponder::~MdnsResponder() = default;

Result<std::shared_ptr<MdnsResponder>> MdnsResponder::start(asio::io_context& io, MdnsResponderOptions options,
                                                            std::vector<Announcement> services) {
  if (options.host_label.empty() || options.host_label.size() > dns::kMaxLabel)
    return fail(Errc::invalid_argument, fmt::format("mDNS host name '{}': 1 to {} bytes", options.host_label, dns::kMaxLabel));
  for (const auto& s : services)
    if (s.instance.empty() || s.instance.size() > dns::kMaxLabel)
      return fail(Errc::invalid_argument,
                  fmt::format("mDNS instance name '{}': 1 to {} bytes (RFC 6763 section 4.1.1)", s.instance, dns::kMaxLabel));
  std::shared_ptr<MdnsResponder> self(new MdnsResponder(io, std::move(options), std::move(services)));
  auto& socket = self->socket_;
  boost::system::error_code ec;
  socket.open(udp::v4(), ec);
  // Several responders share port 5353 on one host (avahi, another `ledlab sim`); each gets
  // every multicast query (RFC 6762 section 15.1).
  if (!ec) socket.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) socket.bind(udp::endpoint(udp::v4(), self->options_.port), ec);
  if (!ec) socket.set_option(asio::ip::multicast::hops(255), ec);  // RFC 6762 section 11
  if (!ec) socket.set_option(asio::ip::multicast::enable_loopback(true), ec);
  if (ec)
    return fail(Errc::io, fmt::format("mDNS responder: cannot listen on UDP port {}: {}", self->options_.port, ec.message()));
  if (self->options_.port != 0) {
    for (const auto& itf : ipv4_interfaces()) {
      if (!itf.multicast) continue;
      socket.set_option(asio::ip::multicast::join_group(mdns_group().address().to_v4(), itf.address), ec);
      if (ec) log::info(kLog, "cannot join the mDNS group on {}: {}", itf.name, ec.message());
    }
  }
  self->receive();
  if (!self->options_.local_only && self->options_.port == kMdnsPort) self->announce(2);
  return self;
}

std::uint16_t MdnsResponder::port() const {
  boost::system::error_code ec;
  auto ep = socket_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void MdnsResponder::stop() {
  if (stopped_) return;
  if (!options_.local_only && options_.port == kMdnsPort) {
    dns::Message goodbye;
    goodbye.flags = dns::kFlagResponse | dns::kFlagAuthoritative;
    goodbye.answers = all_records(0);
    send(goodbye, nullptr);
  }
  stopped_ = true;
  announce_timer_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

std::vector<dns::Record> MdnsResponder::all_records(std::uint32_t ttl_s) const {
  const auto ttl = [&](std::uint32_t usual) { return std::min(ttl_s, usual); };
  std::vector<dns::Record> out;
  for (const auto& s : services_) {
    const auto name = instance_name(s);
    add_once(out, dns::ptr_record(with_local(service_type(s.service)), name, ttl(kOtherTtl)));
    add_once(out, dns::srv_record(name, s.port, host_, ttl(kHostTtl)));
    add_once(out, dns::txt_record(name, s.txt, ttl(kOtherTtl)));
  }
  add_once(out, dns::a_record(host_, options_.address.to_bytes(), ttl(kHostTtl)));
  return out;
}

bool MdnsResponder::is_local(const asio::ip::address& from) const {
  if (from.is_loopback()) return true;
  if (!from.is_v4()) return false;
  const auto interfaces = ipv4_interfaces();
  return std::any_of(interfaces.begin(), interfaces.end(), [&](const Ipv4Interface& i) { return i.address == from.to_v4(); });
}

std::optional<MdnsResponder::Reply> MdnsResponder::answer(const dns::Message& query, const udp::endpoint& from) const {
  if (query.is_response() || query.questions.empty()) return std::nullopt;
  if (options_.local_only && !is_local(from.address())) return std::nullopt;
  const auto a_record = dns::a_record(host_, options_.address.to_bytes(), kHostTtl);
  std::vector<dns::Record> answers, additionals;
  // RFC 6763 section 12: with a PTR answer go the instance's SRV and TXT and the host's
  // address, so a browser needs no second round.
  const auto add_instance = [&](const Announcement& s, bool as_answer_srv, bool as_answer_txt) {
    const auto name = instance_name(s);
    auto srv = dns::srv_record(name, s.port, host_, kHostTtl);
    auto txt = dns::txt_record(name, s.txt, kOtherTtl);
    add_once(as_answer_srv ? answers : additionals, std::move(srv));
    add_once(as_answer_txt ? answers : additionals, std::move(txt));
    add_once(additionals, a_record);
  };
  const auto known = [&](const dns::Record& r) {
    // RFC 6762 section 7.1: known-answer suppression, when the querier's copy has at least
    // half its TTL left.
    return std::any_of(query.answers.begin(), query.answers.end(),
                       [&](const dns::Record& k) { return same_record(k, r) && k.ttl_s >= r.ttl_s / 2; });
  };
  const dns::Name services_meta = dns::name_from_dotted("_services._dns-sd._udp.local");
  for (const auto& q : query.questions) {
    if (has_type(q, dns::Type::ptr) && dns::same_name(q.name, services_meta)) {
      // RFC 6763 section 9: the service types this host offers.
      for (const auto& s : services_)
        if (auto r = dns::ptr_record(services_meta, with_local(service_type(s.service)), kOtherTtl); !known(r))
          add_once(answers, std::move(r));
    }
    for (const auto& s : services_) {
      const auto name = instance_name(s);
      if (has_type(q, dns::Type::ptr) && dns::same_name(q.name, with_local(service_type(s.service)))) {
        auto r = dns::ptr_record(q.name, name, kOtherTtl);
        if (known(r)) continue;
        add_once(answers, std::move(r));
        add_instance(s, false, false);
      }
      if (dns::same_name(q.name, name) && (has_type(q, dns::Type::srv) || has_type(q, dns::Type::txt)))
        add_instance(s, has_type(q, dns::Type::srv), has_type(q, dns::Type::txt));
    }
    if (has_type(q, dns::Type::a) && dns::same_name(q.name, host_)) add_once(answers, a_record);
  }
  if (answers.empty()) return std::nullopt;
  std::erase_if(additionals, [&](const dns::Record& r) {
    return std::any_of(answers.begin(), answers.end(), [&](const dns::Record& a) { return same_record(a, r); });
  });
  Reply reply;
  reply.message.flags = dns::kFlagResponse | dns::kFlagAuthoritative;
  reply.message.answers = std::move(answers);
  reply.message.additionals = std::move(additionals);
  const bool legacy = from.port() != kMdnsPort;
  if (legacy) {
    // RFC 6762 section 6.7: a query from another port than 5353 is a legacy resolver's: the
    // answer echoes its ID and questions, without cache-flush bits, with short TTLs.
    reply.message.id = query.id;
    reply.message.questions = query.questions;
    for (auto* section : {&reply.message.answers, &reply.message.additionals})
      for (auto& r : *section) {
        r.cache_flush = false;
        r.ttl_s = std::min(r.ttl_s, kLegacyTtl);
      }
  }
  const bool qu = std::any_of(query.questions.begin(), query.questions.end(), [](const dns::Question& q) { return q.unicast_response; });
  reply.unicast = legacy || qu || options_.local_only || options_.port != kMdnsPort;
  return reply;
}

void MdnsResponder::receive() {
  socket_.async_receive_from(asio::buffer(buffer_), sender_,
                             [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                               if (self->stopped_ || ec == asio::error::operation_aborted) return;
                               if (!ec) {
                                 auto query = dns::decode(std::span(self->buffer_.data(), n));
                                 if (!query)
                                   log::info(kLog, "ignored a packet from {}: {}", self->sender_.address().to_string(),
                                             query.error().message);
                                 else if (auto reply = self->answer(*query, self->sender_))
                                   self->send(reply->message, reply->unicast ? &self->sender_ : nullptr);
                               } else {
                                 log::info(kLog, "receive failed: {}", ec.message());
                               }
                               self->receive();
                             });
}

void MdnsResponder::announce(int remaining) {
  // RFC 6762 section 8.3: at least two unsolicited responses, one second apart.
  dns::Message message;
  message.flags = dns::kFlagResponse | dns::kFlagAuthoritative;
  message.answers = all_records(kOtherTtl);
  send(message, nullptr);
  if (remaining <= 1) return;
  announce_timer_.expires_after(std::chrono::seconds(1));
  announce_timer_.async_wait([self = shared_from_this(), remaining](const boost::system::error_code& ec) {
    if (!ec && !self->stopped_) self->announce(remaining - 1);
  });
}

void MdnsResponder::send(const dns::Message& message, const udp::endpoint* unicast_to) {
  auto bytes = dns::encode(message);
  if (!bytes) {
    log::warn(kLog, "cannot encode an answer: {}", bytes.error().message);
    return;
  }
  boost::system::error_code ec;
  if (unicast_to) {
    socket_.send_to(asio::buffer(*bytes), *unicast_to, 0, ec);
    if (ec) log::info(kLog, "answer to {} not sent: {}", unicast_to->address().to_string(), ec.message());
    return;
  }
  for (const auto& itf : ipv4_interfaces()) {
    if (!itf.multicast) continue;
    socket_.set_option(asio::ip::multicast::outbound_interface(itf.address), ec);
    if (!ec) socket_.send_to(asio::buffer(*bytes), mdns_group(), 0, ec);
    if (ec) log::info(kLog, "announcement on {} not sent: {}", itf.name, ec.message());
  }
}

}  // namespace ledlab::io::discovery
