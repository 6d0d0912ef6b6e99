// The HiSLIP link against the HiSLIP server over loopback sockets: queries, long messages split
// at the maximum message size, status query, device clear, locks between two sessions, both
// modes, stale responses, hostile headers on either side, and a dropped session reconnected.
#include "io/hislip/channel.hpp"
#include "io/hislip/hislip_link.hpp"
#include "scpi/server/hislip_server.hpp"
#include "scpi/session.hpp"
#include "support/co_run.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace ledlab;
using namespace ledlab::io::hislip;
namespace asio = boost::asio;
using ledlab::test::run;

namespace {

std::shared_ptr<scpi::server::Device> meter() {
  auto d = std::make_shared<scpi::server::Device>(scpi::server::Identity{"ACME", "HS1", "SN7", "2.0"});
  d->on("TEXT", {}, [](scpi::server::Request& r) {  // a reply of n letters
    const auto n = static_cast<std::size_t>(r.params.integer(0, {1, 1e7}));
    std::string s(n, 'x');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    r.reply(std::move(s));
  });
  d->on("LENgth", {}, [](scpi::server::Request& r) { r.reply_int(static_cast<long long>(r.params.text(0).size())); });
  d->on("SLOW", {}, [](scpi::server::Request& r) {
    r.reply("slow");
    r.delay_s = 2.0;  // far beyond the 50 ms read timeout and 20 ms cancel below, even on a loaded machine
  });
  return d;
}

struct Bench {
  explicit Bench(scpi::server::HislipOptions options = {}) : device(meter()) {
    server = std::make_shared<scpi::server::HislipServer>(io, "127.0.0.1", 0, nullptr, options);
    server->add(device, {"hislip0", "meter"});
    server->start();
  }
  io::Address address(std::string sub = "hislip0", bool lock = false) const {
    auto a = io::parse_address(sub.starts_with("hislip")
                                   ? fmt::format("TCPIP0::127.0.0.1::{},{}::INSTR", sub, server->port())
                                   : fmt::format("hislip://127.0.0.1:{}/{}", server->port(), sub));
    REQUIRE(a);
    a->hislip_lock = lock;
    return *a;
  }
  std::unique_ptr<io::HislipLink> link(io::HislipLink::Options options = {}) {
    return std::make_unique<io::HislipLink>(io.get_executor(), address(), options);
  }
  std::unique_ptr<scpi::Session> session(std::string sub = "hislip0") {
    auto made = io::make_link(address(std::move(sub)), io.get_executor());
    REQUIRE(made);
    scpi::SessionOptions options;
    options.timeout = io::Millis(2000);
    options.reconnect_attempts = 2;
    options.reconnect_backoff = io::Millis(10);
    return std::make_unique<scpi::Session>("meter", std::move(*made), options);
  }
  // A bare channel that has done the whole handshake, for sending what a client should not.
  std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> raw_session(std::uint64_t max_message = 1u << 20) {
    auto sync = std::make_unique<Channel>(io.get_executor(), "raw sync");
    auto async = std::make_unique<Channel>(io.get_executor(), "raw async");
    REQUIRE(run(io, sync->connect("127.0.0.1", server->port(), io::Millis(2000))));
    REQUIRE(run(io, sync->send(encode(MessageType::initialize, 0, pack16(kProtocolVersion, kVendorId), "hislip0"),
                               io::Millis(2000))));
    auto init = run(io, sync->receive(4096, io::Millis(2000)));
    REQUIRE(init);
    REQUIRE(init->type() == MessageType::initialize_response);
    REQUIRE(run(io, async->connect("127.0.0.1", server->port(), io::Millis(2000))));
    REQUIRE(run(
        io, async->send(encode(MessageType::async_initialize, 0, lower16(init->header.parameter)), io::Millis(2000))));
    auto ainit = run(io, async->receive(4096, io::Millis(2000)));
    REQUIRE(ainit);
    REQUIRE(ainit->type() == MessageType::async_initialize_response);
    REQUIRE(run(io, async->send(encode(MessageType::async_maximum_message_size, 0, 0, encode_u64(max_message)),
                                io::Millis(2000))));
    auto size = run(io, async->receive(4096, io::Millis(2000)));
    REQUIRE(size);
    REQUIRE(size->type() == MessageType::async_maximum_message_size_response);
    return {std::move(sync), std::move(async)};
  }
  Result<std::string> read_line(io::HislipLink& l, io::Millis timeout = io::Millis(2000)) {
    std::string got;
    std::array<char, 4096> chunk{};
    while (!got.ends_with('\n')) {
      auto n = run(io, l.read_some(chunk, timeout));
      if (!n) return fail(n.error());
      got.append(chunk.data(), *n);
    }
    return got;
  }

  asio::io_context io;
  std::shared_ptr<scpi::server::Device> device;
  std::shared_ptr<scpi::server::HislipServer> server;
};

}  // namespace

TEST_CASE("a session queries a twin over HiSLIP in the mode the server offers, overlapped or synchronized") {
  const bool overlapped = GENERATE(true, false);
  Bench b({.overlapped = overlapped});
  auto link = b.link();
  REQUIRE(run(b.io, link->connect(io::Millis(2000))));
  CHECK(link->overlapped() == overlapped);
  CHECK(link->session_id() != 0);
  CHECK(link->server_protocol_version() == kProtocolVersion);
  CHECK(link->has_serial_poll());
  CHECK(link->describe() == fmt::format("hislip://127.0.0.1:{}/hislip0", b.server->port()));
  scpi::Session s("meter", std::move(link));
  auto idn = run(b.io, s.query("*IDN?"));
  REQUIRE(idn);
  CHECK(*idn == "ACME,HS1,SN7,2.0");
  auto many = run(b.io, s.query("TEXT? 26;TEXT? 3"));
  REQUIRE(many);
  CHECK(*many == "abcdefghijklmnopqrstuvwxyz;abc");
}

TEST_CASE(
    "a device is reached by its instrument name as sub-address, and an unknown one is refused naming those served") {
  Bench b;
  auto by_name = b.session("meter");
  CHECK(run(b.io, by_name->query("*IDN?")).value_or("") == "ACME,HS1,SN7,2.0");
  auto link = std::make_unique<io::HislipLink>(b.io.get_executor(), b.address("hislip5"));
  auto st = run(b.io, link->connect(io::Millis(2000)));
  REQUIRE_FALSE(st);
  CHECK(st.error().message.find("FatalError") != std::string::npos);
  CHECK(st.error().message.find("hislip5") != std::string::npos);
  CHECK(st.error().message.find("hislip0/meter") != std::string::npos);
}

TEST_CASE("messages longer than the maximum message size go as Data messages and a DataEnd, both ways") {
  Bench b({.max_message_bytes = 64});
  auto link = b.link({.max_message_bytes = 16});
  REQUIRE(run(b.io, link->connect(io::Millis(2000))));
  CHECK(link->server_max_message_bytes() == 64);
  scpi::Session s("meter", std::move(link));
  // A 300-byte command reaches the twin whole, in five Data messages and a DataEnd.
  auto len = run(b.io, s.query(fmt::format("LEN? \"{}\"", std::string(288, 'q'))));
  REQUIRE(len);
  CHECK(*len == "288");
  // A 1000-letter reply comes back in 16-byte pieces and is whole again.
  auto text = run(b.io, s.query("TEXT? 1000"));
  REQUIRE(text);
  REQUIRE(text->size() == 1000);
  CHECK(text->substr(996) == "ijkl");  // letter 996 is 'a' + 996 % 26
}

TEST_CASE(
    "the server splits a response at the client's maximum size, every piece with the id of the DataEnd that asked") {
  Bench b;
  auto [sync, async] = b.raw_session(16);
  REQUIRE(run(b.io, sync->send(encode(MessageType::data_end, 0, kFirstMessageId, "TEXT? 40\n"), io::Millis(2000))));
  std::vector<std::pair<MessageType, std::size_t>> seen;
  std::string text;
  for (;;) {
    auto m = run(b.io, sync->receive(16, io::Millis(2000)));
    REQUIRE(m);
    CHECK(m->header.parameter == kFirstMessageId);
    seen.emplace_back(m->type(), m->payload.size());
    text += m->payload;
    if (m->type() == MessageType::data_end) break;
  }
  const std::vector<std::pair<MessageType, std::size_t>> expected{
      {MessageType::data, 16}, {MessageType::data, 16}, {MessageType::data_end, 9}};
  CHECK(seen == expected);
  CHECK(text.size() == 41);
}

TEST_CASE("AsyncStatusQuery reads the twin's status byte: EAV once an error is queued") {
  Bench b;
  auto link = b.link();
  REQUIRE(run(b.io, link->connect(io::Millis(2000))));
  auto before = run(b.io, link->read_status_byte(io::Millis(2000)));
  REQUIRE(before);
  CHECK((*before & scpi::server::stb::eav) == 0);
  REQUIRE(run(b.io, link->write("NO:SUCH:COMMAND\n", io::Millis(2000))));
  auto after = run(b.io, link->read_status_byte(io::Millis(2000)));
  REQUIRE(after);
  CHECK((*after & scpi::server::stb::eav) != 0);
  CHECK(*after == b.device->status().status_byte());
  // The session's status byte takes the serial poll, as on USB488.
  scpi::Session s("meter", std::move(link));
  auto stb = run(b.io, s.status_byte());
  REQUIRE(stb);
  CHECK((*stb & scpi::server::stb::eav) != 0);
}

TEST_CASE("a device clear in the middle of a long reply drops the rest of it, and the next query is answered") {
  const bool overlapped = GENERATE(true, false);
  Bench b({.overlapped = overlapped, .max_message_bytes = 1u << 20});
  auto link = b.link({.max_message_bytes = 4096});
  auto* l = link.get();
  REQUIRE(run(b.io, l->connect(io::Millis(2000))));
  REQUIRE(run(b.io, l->write("TEXT? 100000\n", io::Millis(2000))));
  std::array<char, 100> chunk{};
  auto n = run(b.io, l->read_some(chunk, io::Millis(2000)));
  REQUIRE(n);
  CHECK(std::string_view(chunk.data(), 3) == "abc");
  REQUIRE(run(b.io, l->device_clear(io::Millis(2000))));
  CHECK(l->overlapped() == overlapped);
  REQUIRE(run(b.io, l->write("*IDN?\n", io::Millis(2000))));
  auto idn = b.read_line(*l);
  REQUIRE(idn);
  CHECK(*idn == "ACME,HS1,SN7,2.0\n");
}

TEST_CASE("a response to a query whose read timed out is stale: its message id tells, and it is dropped") {
  const bool overlapped = GENERATE(true, false);
  Bench b({.overlapped = overlapped});
  auto link = b.link();
  REQUIRE(run(b.io, link->connect(io::Millis(2000))));
  REQUIRE(run(b.io, link->write("SLOW?\n", io::Millis(2000))));
  auto late = b.read_line(*link, io::Millis(50));  // the twin takes 2 s
  REQUIRE_FALSE(late);
  CHECK(late.error().code == Errc::timeout);
  REQUIRE(run(b.io, link->write("*IDN?\n", io::Millis(2000))));
  auto idn = b.read_line(*link);
  REQUIRE(idn);
  CHECK(*idn == "ACME,HS1,SN7,2.0\n");
  CHECK(link->stale_responses() == 1);
}

TEST_CASE("in synchronized mode a new message before the last response was read interrupts it on both channels") {
  const bool overlapped = GENERATE(true, false);
  Bench b({.overlapped = overlapped});
  auto [sync, async] = b.raw_session();
  const std::uint32_t first = kFirstMessageId, second = next_message_id(kFirstMessageId);
  REQUIRE(run(b.io, sync->send(encode(MessageType::data_end, 0, first, "*IDN?\n"), io::Millis(2000))));
  // The response is out but not read: MAV stands until the client says it read it.
  REQUIRE(run(b.io, async->send(encode(MessageType::async_status_query, 0, first), io::Millis(2000))));
  auto unread = run(b.io, async->receive(4096, io::Millis(2000)));
  REQUIRE(unread);
  CHECK((unread->header.control & scpi::server::stb::mav) != 0);
  REQUIRE(run(b.io, sync->send(encode(MessageType::data_end, 0, second, "*IDN?\n"), io::Millis(2000))));
  std::vector<std::pair<MessageType, std::uint32_t>> seen;
  for (;;) {
    auto m = run(b.io, sync->receive(4096, io::Millis(2000)));
    REQUIRE(m);
    seen.emplace_back(m->type(), m->header.parameter);
    if (m->type() == MessageType::data_end && m->header.parameter == second) break;
  }
  std::vector<std::pair<MessageType, std::uint32_t>> expected{{MessageType::data_end, first}};
  if (!overlapped) expected.emplace_back(MessageType::interrupted, second);
  expected.emplace_back(MessageType::data_end, second);
  CHECK(seen == expected);
  REQUIRE(run(b.io, async->send(encode(MessageType::async_status_query, kRmtDelivered, second), io::Millis(2000))));
  auto next = run(b.io, async->receive(4096, io::Millis(2000)));
  REQUIRE(next);
  if (!overlapped) {
    CHECK(next->type() == MessageType::async_interrupted);
    CHECK(next->header.parameter == second);
    next = run(b.io, async->receive(4096, io::Millis(2000)));
    REQUIRE(next);
  }
  CHECK(next->type() == MessageType::async_status_response);
  CHECK((next->header.control & scpi::server::stb::mav) == 0);
}

TEST_CASE("a program message longer than the twin's input buffer is refused with -363 and the next one runs") {
  Bench b({.max_message_bytes = 64});
  b.device->buffers.input_bytes = 100;
  auto s = b.session();
  s->options().timeout = io::Millis(200);  // no reply ever comes: no need to wait long for it
  auto refused = run(b.io, s->query(fmt::format("LEN? \"{}\"", std::string(200, 'q'))));
  CHECK_FALSE(refused);  // no reply comes: the message was dropped
  auto err = run(b.io, s->query("SYST:ERR?"));
  REQUIRE(err);
  CHECK_THAT(*err, Catch::StartsWith("-363"));
  auto len = run(b.io, s->query("LEN? \"abc\""));
  REQUIRE(len);
  CHECK(*len == "3");
}

TEST_CASE("an exclusive lock refuses a second session's lock until it is released") {
  Bench b;
  auto first = b.link();
  auto second = b.link();
  REQUIRE(run(b.io, first->connect(io::Millis(2000))));
  REQUIRE(run(b.io, second->connect(io::Millis(2000))));
  REQUIRE(run(b.io, first->lock({}, io::Millis(0), io::Millis(2000))));
  auto refused = run(b.io, second->lock({}, io::Millis(0), io::Millis(2000)));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::instrument);
  CHECK(refused.error().message.find("another session holds it") != std::string::npos);
  auto shared = run(b.io, second->lock("bench", io::Millis(0), io::Millis(2000)));
  CHECK_FALSE(shared);
  REQUIRE(run(b.io, first->unlock(io::Millis(2000))));
  REQUIRE(run(b.io, second->lock({}, io::Millis(0), io::Millis(2000))));
  auto not_held = run(b.io, first->unlock(io::Millis(2000)));
  CHECK_FALSE(not_held);
}

TEST_CASE("shared locks of one name are held together, and a session closing gives its lock up") {
  Bench b;
  auto first = b.link();
  auto second = b.link();
  auto third = b.link();
  for (auto* l : {first.get(), second.get(), third.get()}) REQUIRE(run(b.io, l->connect(io::Millis(2000))));
  REQUIRE(run(b.io, first->lock("bench", io::Millis(0), io::Millis(2000))));
  REQUIRE(run(b.io, second->lock("bench", io::Millis(0), io::Millis(2000))));
  CHECK_FALSE(run(b.io, third->lock("other", io::Millis(0), io::Millis(2000))));
  first->close();
  second->close();
  // The server learns of the closes when it reads their channels: the lock request waits for it.
  REQUIRE(run(b.io, third->lock({}, io::Millis(2000), io::Millis(2000))));
}

TEST_CASE("a session holding ?lock keeps others' messages waiting until it closes") {
  Bench b;
  auto holder = std::make_unique<io::HislipLink>(b.io.get_executor(), b.address("hislip0", true));
  REQUIRE(run(b.io, holder->connect(io::Millis(2000))));
  auto other = b.link();
  REQUIRE(run(b.io, other->connect(io::Millis(2000))));
  REQUIRE(run(b.io, other->write("*IDN?\n", io::Millis(2000))));
  auto held = b.read_line(*other, io::Millis(100));
  REQUIRE_FALSE(held);
  CHECK(held.error().code == Errc::timeout);
  holder->close();
  REQUIRE(run(b.io, other->write("*IDN?\n", io::Millis(2000))));
  auto idn = b.read_line(*other);  // the held *IDN? is answered first, and dropped as stale
  REQUIRE(idn);
  CHECK(*idn == "ACME,HS1,SN7,2.0\n");
}

TEST_CASE("trigger and remote/local control reach the server") {
  Bench b;
  int triggers = 0;
  b.device->on("*TRG", [&](scpi::server::Request&) { ++triggers; });
  auto link = b.link();
  REQUIRE(run(b.io, link->connect(io::Millis(2000))));
  REQUIRE(run(b.io, link->trigger(io::Millis(2000))));
  REQUIRE(run(b.io, link->set_remote(io::RemoteState::local_lockout, io::Millis(2000))));
  REQUIRE(run(b.io, link->set_remote(io::RemoteState::local, io::Millis(2000))));
  scpi::Session s("meter", std::move(link));
  REQUIRE(run(b.io, s.query("*IDN?")));  // the trigger ran before this query, on the same channel
  CHECK(triggers == 1);
}

TEST_CASE("a header without the HS prologue gets a FatalError and both channels close") {
  Bench b;
  auto [sync, async] = b.raw_session();
  REQUIRE(run(b.io, sync->send("XX" + std::string(14, '\0'), io::Millis(2000))));
  auto m = run(b.io, sync->receive(4096, io::Millis(2000)));
  REQUIRE(m);
  CHECK(m->type() == MessageType::fatal_error);
  CHECK(m->header.control == fatal::bad_header);
  auto closed = run(b.io, async->receive(4096, io::Millis(2000)));
  REQUIRE_FALSE(closed);
  CHECK(closed.error().code == Errc::disconnected);
}

TEST_CASE("a Data message announcing an enormous payload gets Error message-too-large before anything is held") {
  Bench b({.max_message_bytes = 1024});
  auto [sync, async] = b.raw_session();
  const auto head = encode_header({static_cast<std::uint8_t>(MessageType::data_end), 0, kFirstMessageId, 1ull << 62});
  REQUIRE(run(b.io, sync->send(std::string(head.data(), head.size()), io::Millis(2000))));
  auto m = run(b.io, sync->receive(4096, io::Millis(2000)));
  REQUIRE(m);
  CHECK(m->type() == MessageType::error);
  CHECK(m->header.control == nonfatal::too_large);
  CHECK(m->payload.find("1024") != std::string::npos);
}

TEST_CASE("an unknown message type gets Error unrecognized-type and the session goes on") {
  Bench b;
  auto [sync, async] = b.raw_session();
  REQUIRE(run(b.io, sync->send(encode(static_cast<MessageType>(99), 0, 0, "junk"), io::Millis(2000))));
  auto m = run(b.io, sync->receive(4096, io::Millis(2000)));
  REQUIRE(m);
  CHECK(m->type() == MessageType::error);
  CHECK(m->header.control == nonfatal::unknown_type);
  CHECK(m->payload.find("type 99") != std::string::npos);
  REQUIRE(run(b.io, async->send(encode(static_cast<MessageType>(120), 0, 0), io::Millis(2000))));
  auto a = run(b.io, async->receive(4096, io::Millis(2000)));
  REQUIRE(a);
  CHECK(a->type() == MessageType::error);
  REQUIRE(run(b.io, sync->send(encode(MessageType::data_end, 0, kFirstMessageId, "*IDN?\n"), io::Millis(2000))));
  auto reply = run(b.io, sync->receive(4096, io::Millis(2000)));
  REQUIRE(reply);
  CHECK(reply->payload == "ACME,HS1,SN7,2.0\n");
}

TEST_CASE("Data before the asynchronous channel is open is a FatalError, as is a connection opening with Data") {
  Bench b;
  Channel sync(b.io.get_executor(), "raw sync");
  REQUIRE(run(b.io, sync.connect("127.0.0.1", b.server->port(), io::Millis(2000))));
  REQUIRE(run(b.io, sync.send(encode(MessageType::data_end, 0, kFirstMessageId, "*IDN?\n"), io::Millis(2000))));
  auto m = run(b.io, sync.receive(4096, io::Millis(2000)));
  REQUIRE(m);
  CHECK(m->type() == MessageType::fatal_error);
  CHECK(m->header.control == fatal::bad_initialization);
  Channel early(b.io.get_executor(), "raw early");
  REQUIRE(run(b.io, early.connect("127.0.0.1", b.server->port(), io::Millis(2000))));
  REQUIRE(run(b.io, early.send(encode(MessageType::initialize, 0, pack16(kProtocolVersion, kVendorId), "hislip0"),
                               io::Millis(2000))));
  REQUIRE(run(b.io, early.receive(4096, io::Millis(2000))));
  REQUIRE(run(b.io, early.send(encode(MessageType::data_end, 0, kFirstMessageId, "*IDN?\n"), io::Millis(2000))));
  auto f = run(b.io, early.receive(4096, io::Millis(2000)));
  REQUIRE(f);
  CHECK(f->type() == MessageType::fatal_error);
  CHECK(f->header.control == fatal::channels_not_ready);
}

namespace {
// A server that answers Initialize with whatever it is given, to see the link refuse it.
asio::awaitable<void> answer_once(asio::ip::tcp::acceptor& acceptor, std::string reply) {
  auto socket = co_await acceptor.async_accept(asio::use_awaitable);
  std::array<char, 23> initialize{};  // header + "hislip0"
  co_await asio::async_read(socket, asio::buffer(initialize), asio::use_awaitable);
  co_await asio::async_write(socket, asio::buffer(reply), asio::use_awaitable);
  std::array<char, 16> rest{};
  (void)co_await asio::async_read(socket, asio::buffer(rest), asio::as_tuple(asio::use_awaitable));
}
}  // namespace

TEST_CASE("the link refuses a server's reply with a bad prologue or a payload beyond its bound, naming the link") {
  const auto wire = GENERATE(std::string("HX") + std::string(14, '\0'),
                             std::string(encode_header({1, 0, 0, 1ull << 40}).data(), kHeaderBytes));
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::co_spawn(io, answer_once(acceptor, wire), asio::detached);
  auto address = io::parse_address(fmt::format("hislip://127.0.0.1:{}", acceptor.local_endpoint().port()));
  REQUIRE(address);
  io::HislipLink link(io.get_executor(), *address);
  auto st = run(io, link.connect(io::Millis(2000)));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::protocol);
  CHECK(st.error().message.find(link.describe()) != std::string::npos);
  CHECK(!link.is_open());
}

TEST_CASE("a twin that drops its HiSLIP session fails the call, and the session reconnects on the next") {
  Bench b;
  auto s = b.session();
  REQUIRE(run(b.io, s->write("SIM:FAULT:DROP")));
  auto r = run(b.io, s->query("*IDN?"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::disconnected);
  auto again = run(b.io, s->query("*IDN?"));
  REQUIRE(again);
  CHECK(*again == "ACME,HS1,SN7,2.0");
  CHECK(b.server->session_count() == 1);
}

TEST_CASE("cancel ends a pending HiSLIP read with Errc::cancelled") {
  Bench b;
  auto link = b.link();
  REQUIRE(run(b.io, link->connect(io::Millis(2000))));
  REQUIRE(run(b.io, link->write("SLOW?\n", io::Millis(2000))));
  asio::steady_timer soon(b.io);
  soon.expires_after(std::chrono::milliseconds(20));
  soon.async_wait([&](auto) { link->cancel(); });
  std::array<char, 64> chunk{};
  auto r = run(b.io, link->read_some(chunk, io::Millis(5000)));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::cancelled);
}

TEST_CASE("a session beyond the server's maximum is refused with FatalError, and taken once one closes") {
  Bench b({.max_sessions = 1});
  auto first = b.link();
  REQUIRE(run(b.io, first->connect(io::Millis(2000))));
  auto second = b.link();
  auto refused = run(b.io, second->connect(io::Millis(2000)));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("maximum number of clients exceeded") != std::string::npos);
  CHECK_FALSE(second->is_open());
  first->close();
  // The server learns of the close when it reads the channel: the next attempt may come first.
  Status again = fail(Errc::io, "not tried");
  for (int attempt = 0; attempt < 100 && !again; ++attempt) again = run(b.io, second->connect(io::Millis(2000)));
  REQUIRE(again);
}
