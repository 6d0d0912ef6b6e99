#include "io/discovery/mdns_browse.hpp"

#include "core/log.hpp"
#include "io/discovery/dns_message.hpp"
#include "io/discovery/interfaces.hpp"
#include "io/with_timeout.hpp"

#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace ledlab::io::discovery {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::string_view kLog = "mdns";
// What one browse holds, whatever the LAN sends within the timeout: records kept, and names
// asked about again (each follow-up a handful of questions, far below 9000 bytes).
constexpr std::size_t kMaxRecords = 4096;
constexpr std::size_t kMaxFollowUps = 256;
constexpr std::size_t kQuestionsPerQuery = 16;

struct Seen {
  dns::Record record;
  asio::ip::address from;  // who sent it: the fallback host when no A record came
};

dns::Name service_name(Service s) {
  auto name = dns::name_from_dotted(service_type(s));
  name.emplace_back("local");
  return name;
}

std::string key_of(const dns::Name& name, std::uint16_t type) {
  std::string key = dns::to_text(name);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return fmt::format("{}/{}", key, type);
}

const Seen* find(const std::vector<Seen>& seen, const dns::Name& name, dns::Type type) {
  for (const auto& s : seen)
    if (s.record.type == static_cast<std::uint16_t>(type) && dns::same_name(s.record.name, name)) return &s;
  return nullptr;
}

// The follow-up questions RFC 6763 section 12 lets a browser skip when the responder put the
// SRV, TXT and address records in the additional section, as it should.
std::vector<dns::Question> missing(const std::vector<Seen>& seen, std::set<std::string>& asked) {
  std::vector<dns::Question> out;
  const auto ask = [&](const dns::Name& name, dns::Type type) {
    if (asked.size() >= kMaxFollowUps) return;
    if (asked.insert(key_of(name, static_cast<std::uint16_t>(type))).second)
      out.push_back(dns::Question{name, static_cast<std::uint16_t>(type), false});
  };
  for (const auto& s : seen) {
    if (s.record.type == static_cast<std::uint16_t>(dns::Type::ptr) && !find(seen, s.record.ptr, dns::Type::srv)) {
      ask(s.record.ptr, dns::Type::srv);
      ask(s.record.ptr, dns::Type::txt);
    }
    if (s.record.type == static_cast<std::uint16_t>(dns::Type::srv) && !find(seen, s.record.srv.target, dns::Type::a))
      ask(s.record.srv.target, dns::Type::a);
  }
  return out;
}

class Browser {
 public:
  Browser(asio::any_io_executor ex, MdnsBrowseOptions options) : socket_(ex), options_(std::move(options)) {}

  Status open() {
    boost::system::error_code ec;
    socket_.open(udp::v4(), ec);
    if (!ec) socket_.bind(udp::endpoint(udp::v4(), 0), ec);
    // RFC 6762 section 11: mDNS packets go out with IP TTL 255.
    if (!ec) socket_.set_option(asio::ip::multicast::hops(255), ec);
    if (!ec) socket_.set_option(asio::ip::multicast::enable_loopback(true), ec);
    if (ec) return fail(Errc::io, fmt::format("mDNS: cannot open a UDP socket: {}", ec.message()));
    return {};
  }

  // RFC 6762 section 5.1: a one-shot query from a port other than 5353; responders answer it
  // by unicast to that port (section 6.7).
  asio::awaitable<Status> send(std::vector<dns::Question> questions) {
    dns::Message query;
    query.questions = std::move(questions);
    auto bytes = dns::encode(query);
    if (!bytes) co_return fail(bytes.error());
    int sent = 0;
    std::string errors;
    const auto send_to = [&](const udp::endpoint& to, std::string_view via) {
      boost::system::error_code ec;
      socket_.send_to(asio::buffer(*bytes), to, 0, ec);
      if (ec) errors += fmt::format("{}{} via {}: {}", errors.empty() ? "" : "; ", to.address().to_string(), via, ec.message());
      else ++sent;
    };
    if (!options_.targets.empty()) {
      for (const auto& t : options_.targets) send_to(t, "unicast");
    } else {
      for (const auto& itf : ipv4_interfaces()) {
        if (!itf.multicast) continue;
        boost::system::error_code ec;
        socket_.set_option(asio::ip::multicast::outbound_interface(itf.address), ec);
        if (ec) continue;
        send_to(mdns_group(), itf.name);
      }
    }
    if (sent == 0)
      co_return fail(Errc::io, fmt::format("mDNS: no query could be sent ({})",
                                           errors.empty() ? "no multicast interface is up" : errors));
    if (!errors.empty()) log::info(kLog, "some queries were not sent: {}", errors);
    co_return Status{};
  }

  // Collects answers until `deadline`; at `repeat_at` the first query goes out once more, for
  // a query or an answer lost on the way (RFC 6762 section 5.2 repeats queries too; UDP
  // delivers at most once).
  asio::awaitable<void> collect(std::chrono::steady_clock::time_point deadline, std::chrono::steady_clock::time_point repeat_at,
                                std::vector<dns::Question> first, std::set<std::string>& asked) {
    std::array<std::uint8_t, 9000> buffer{};  // RFC 6762 section 17: the largest mDNS message
    bool repeated = false;
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) co_return;
      if (!repeated && now >= repeat_at) {
        repeated = true;
        (void)co_await send(first);
        continue;
      }
      const auto until = repeated ? deadline : std::min(deadline, repeat_at);
      udp::endpoint sender;
      auto got = co_await with_timeout(
          [&](auto token) { return socket_.async_receive_from(asio::buffer(buffer), sender, token); }, until - now);
      if (!got) continue;  // the deadline, or the moment to repeat: the loop's head decides
      auto [ec, n] = *got;
      if (ec) {
        log::info(kLog, "receive failed: {}", ec.message());
        co_return;
      }
      auto message = dns::decode(std::span(buffer.data(), n));
      if (!message) {
        log::info(kLog, "ignored a packet from {}: {}", sender.address().to_string(), message.error().message);
        continue;
      }
      if (!message->is_response()) continue;
      absorb(*message, sender.address());
      auto more = missing(seen_, asked);
      while (!more.empty()) {
        std::vector<dns::Question> some;
        while (!more.empty() && some.size() < kQuestionsPerQuery) {
          some.push_back(std::move(more.back()));
          more.pop_back();
        }
        (void)co_await send(std::move(some));
      }
    }
  }

  // Outside the coroutine: GCC 12 mishandles braced lists and aggregate temporaries there.
  void absorb(dns::Message& message, const asio::ip::address& from) {
    for (auto* section : {&message.answers, &message.additionals})
      for (auto& r : *section) {
        if (seen_.size() >= kMaxRecords) {
          if (!full_) log::warn(kLog, "more than {} records within the timeout: the rest ignored", kMaxRecords);
          full_ = true;
          return;
        }
        seen_.push_back(Seen{std::move(r), from});
      }
  }

  std::vector<Found> results() const {
    std::vector<Found> out;
    for (const auto& s : seen_) {
      if (s.record.type != static_cast<std::uint16_t>(dns::Type::ptr)) continue;
      std::optional<Service> service;
      for (auto want : options_.services)
        if (dns::same_name(s.record.name, service_name(want))) service = want;
      if (!service) continue;
      const auto* srv = find(seen_, s.record.ptr, dns::Type::srv);
      if (!srv) {
        log::info(kLog, "{}: no SRV record came, left out", dns::to_text(s.record.ptr));
        continue;
      }
      Found f;
      f.host = host_of(*srv);
      f.port = srv->record.srv.port;
      f.name = s.record.ptr.empty() ? std::string{} : s.record.ptr.front();
      f.via = fmt::format("mdns {}", service_type(*service));
      f.resource = resource_for(*service, f.host, f.port);
      if (const auto* txt = find(seen_, s.record.ptr, dns::Type::txt))
        for (const auto& kv : txt->record.txt) {
          const auto eq = kv.find('=');
          f.details.emplace_back(kv.substr(0, eq), eq == std::string::npos ? std::string{} : kv.substr(eq + 1));
        }
      add_found(out, std::move(f));
    }
    return out;
  }

 private:
  // The SRV target's address: the A record from the host that answered when it has several
  // (a multi-homed host lists each interface), else the first; without one, the sender.
  std::string host_of(const Seen& srv) const {
    const Seen* first = nullptr;
    for (const auto& s : seen_) {
      if (s.record.type != static_cast<std::uint16_t>(dns::Type::a) || !dns::same_name(s.record.name, srv.record.srv.target))
        continue;
      const auto address = asio::ip::address_v4(s.record.a);
      if (address == srv.from) return address.to_string();
      if (!first) first = &s;
    }
    if (first) return asio::ip::address_v4(first->record.a).to_string();
    return srv.from.to_string();
  }

  udp::socket socket_;
  MdnsBrowseOptions options_;
  std::vector<Seen> seen_;
  bool full_ = false;
};

// RFC 6763 section 4: browsing is a PTR query for <service>.<domain>.
std::vector<dns::Question> service_questions(const std::vector<Service>& services, std::set<std::string>& asked) {
  std::vector<dns::Question> questions;
  for (auto s : services) {
    questions.push_back(dns::Question{service_name(s), static_cast<std::uint16_t>(dns::Type::ptr), false});
    asked.insert(key_of(service_name(s), static_cast<std::uint16_t>(dns::Type::ptr)));
  }
  return questions;
}

}  // namespace

udp::endpoint mdns_group() { return {asio::ip::make_address_v4("224.0.0.251"), 5353}; }

asio::awaitable<Result<std::vector<Found>>> browse_mdns(MdnsBrowseOptions options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  Browser browser(co_await asio::this_coro::executor, options);
  if (auto st = browser.open(); !st) co_return fail(st.error());
  std::set<std::string> asked;
  auto questions = service_questions(options.services, asked);
  if (auto st = co_await browser.send(questions); !st) co_return fail(st.error());
  co_await browser.collect(deadline, std::chrono::steady_clock::now() + options.timeout / 4, std::move(questions), asked);
  co_return browser.results();
}

}  // namespace ledlab::io::discovery
