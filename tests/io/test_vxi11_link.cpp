// ledlab's VXI-11 link against the VXI-11 twin server over real loopback sockets: portmapper
// lookup, create_link, messages split at maxRecvSize, serial poll, device clear, locks across
// links, device_abort, and the server's answers to hostile records.
#include "io/vxi11/protocol.hpp"
#include "io/vxi11/rpc.hpp"
#include "io/vxi11/vxi11_link.hpp"
#include "scpi/server/vxi11_server.hpp"
#include "scpi/session.hpp"
#include "support/co_run.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace ledlab;
using scpi::server::Vxi11Server;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::shared_ptr<scpi::server::Device> meter() {
  auto d = std::make_shared<scpi::server::Device>(scpi::server::Identity{"ledlab", "PM-VXI-SIM", "42", "1.0"});
  d->on("ECHO", {}, [](scpi::server::Request& r) { r.reply(std::string(r.params.text(0))); });
  return d;
}

struct Twin {
  explicit Twin(std::uint32_t max_recv_size = 16384) {
    server = std::make_shared<Vxi11Server>(io, nullptr, Vxi11Server::Options{.max_recv_size = max_recv_size});
    device = meter();
    server->add_device("pm1", device);
    server->add_device("inst0", device);
    server->start();
  }
  ~Twin() { server->stop(); }
  std::string url(std::string_view device_name = "pm1") const {
    return fmt::format("vxi11://127.0.0.1:{}/{}", server->portmapper_port(), device_name);
  }
  std::unique_ptr<io::Vxi11Link> link(std::string_view device_name = "pm1") {
    return std::make_unique<io::Vxi11Link>(io.get_executor(), io::parse_address(url(device_name)).value());
  }
  std::unique_ptr<scpi::Session> session(std::string_view device_name = "pm1") {
    scpi::SessionOptions options;
    options.timeout = io::Millis{2000};
    options.reconnect_attempts = 2;
    options.reconnect_backoff = io::Millis{1};
    return std::make_unique<scpi::Session>("pm", link(device_name), options);
  }
  template <class T>
  T run(asio::awaitable<T> op) { return test::run(io, std::move(op)); }

  asio::io_context io;
  std::shared_ptr<scpi::server::Device> device;
  std::shared_ptr<Vxi11Server> server;
};

asio::awaitable<Result<std::string>> write_then_read(io::Link& link, std::string message, io::Millis timeout) {
  if (auto st = co_await link.write(message, timeout); !st) co_return fail(st.error());
  std::string reply;
  std::array<char, 64> chunk{};
  while (!reply.ends_with('\n')) {
    auto n = co_await link.read_some(chunk, timeout);
    if (!n) co_return fail(n.error());
    reply.append(chunk.data(), *n);
  }
  co_return reply;
}

}  // namespace

TEST_CASE("a *IDN? query over VXI-11 finds the core channel through the portmapper") {
  Twin twin;
  auto session = twin.session();
  auto idn = twin.run(session->query("*IDN?"));
  REQUIRE(idn);
  CHECK(*idn == "ledlab,PM-VXI-SIM,42,1.0");
  CHECK(twin.server->link_count() == 1);
}

TEST_CASE("a TCPIP INSTR resource without a device name reaches inst0") {
  auto a = io::parse_address("TCPIP0::192.168.1.20::INSTR");
  REQUIRE(a);
  CHECK(a->kind == io::Address::Kind::vxi11);
  CHECK(a->device == "inst0");
  CHECK(a->port == 111);
  CHECK(a->canonical() == "vxi11://192.168.1.20:111/inst0");
  auto named = io::parse_address("TCPIP::[fe80::1]::gpib0,5::INSTR");
  REQUIRE(named);
  CHECK(named->host == "fe80::1");
  CHECK(named->device == "gpib0,5");
  CHECK(named->canonical() == "vxi11://[fe80::1]:111/gpib0,5");
  auto url = io::parse_address("vxi11://localhost:4111/pm1");
  REQUIRE(url);
  CHECK(url->port == 4111);
  CHECK(url->device == "pm1");
  CHECK(io::parse_address("vxi11://localhost")->canonical() == "vxi11://localhost:111/inst0");
}

TEST_CASE("VXI-11 addresses that make no sense are refused naming the address") {
  for (const char* bad : {"vxi11://", "vxi11://host:0/inst0", "vxi11://host:/inst0",
                          "vxi11://host/", "TCPIP0::a:b::inst0::INSTR", "vxi11://host/in st0"}) {
    INFO(bad);
    auto r = io::parse_address(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::bad_address);
    CHECK_THAT(r.error().message, Catch::Contains(bad));
  }
}

TEST_CASE("a link to a device the server does not have fails naming the device and the VXI-11 error") {
  Twin twin;
  auto link = twin.link("nosuch");
  auto st = twin.run(link->connect(io::Millis{2000}));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::unreachable);
  CHECK_THAT(st.error().message, Catch::Contains("'nosuch'") && Catch::Contains("error 3") &&
                                     Catch::Contains("device not accessible"));
}

TEST_CASE("a link to a host without a portmapper fails as unreachable") {
  asio::io_context io;
  tcp::acceptor closed(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = closed.local_endpoint().port();
  closed.close();
  io::Vxi11Link link(io.get_executor(), io::parse_address(fmt::format("vxi11://127.0.0.1:{}/inst0", port)).value());
  auto st = test::run(io, link.connect(io::Millis{2000}));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::unreachable);
  CHECK_THAT(st.error().message, Catch::Contains("portmapper"));
}

TEST_CASE("a message longer than maxRecvSize goes out in several device_write calls, END on the last") {
  Twin twin(1024);
  auto link = twin.link();
  REQUIRE(twin.run(link->connect(io::Millis{2000})));
  CHECK(link->max_recv_size() == 1024);
  std::string payload(3000, 'x');
  auto reply = twin.run(write_then_read(*link, fmt::format("ECHO? {}\n", payload), io::Millis{2000}));
  INFO((reply ? "" : reply.error().describe()));
  REQUIRE(reply);
  CHECK(*reply == payload + "\n");
  CHECK(twin.server->device_writes() == 3);  // 1024 + 1024 + 958 bytes
}

TEST_CASE("a message without NL still ends at END") {
  Twin twin;
  auto link = twin.link();
  REQUIRE(twin.run(link->connect(io::Millis{2000})));
  auto reply = twin.run(write_then_read(*link, "*IDN?", io::Millis{2000}));
  REQUIRE(reply);
  CHECK(*reply == "ledlab,PM-VXI-SIM,42,1.0\n");
}

TEST_CASE("a serial poll over VXI-11 shows MAV while a reply waits and EAV while an error does") {
  Twin twin;
  auto link = twin.link();
  REQUIRE(twin.run(link->connect(io::Millis{2000})));
  CHECK(link->has_serial_poll());
  auto idle = twin.run(link->read_status_byte(io::Millis{2000}));
  REQUIRE(idle);
  CHECK(*idle == 0);
  REQUIRE(twin.run(link->write("*IDN?\n", io::Millis{2000})));
  // The reply is queued when the link's message has run; a read of the status byte right
  // after the write may come first, so the reply is read and the poll repeated with an error.
  auto reply = twin.run(write_then_read(*link, "NO:SUCH\n*IDN?\n", io::Millis{2000}));
  REQUIRE(reply);
  auto with_error = twin.run(link->read_status_byte(io::Millis{2000}));
  REQUIRE(with_error);
  CHECK((*with_error & 0x04) != 0);  // EAV: -113 is queued
  CHECK((*with_error & 0x10) != 0);  // MAV: the second *IDN? reply is still queued
}

TEST_CASE("device clear over VXI-11 empties the output queue") {
  Twin twin;
  auto link = twin.link();
  REQUIRE(twin.run(link->connect(io::Millis{2000})));
  REQUIRE(twin.run(write_then_read(*link, "*IDN?\n*IDN?\n", io::Millis{2000})));  // one reply left queued
  REQUIRE(twin.run(link->device_clear(io::Millis{2000})));
  std::array<char, 64> chunk{};
  auto n = twin.run(link->read_some(chunk, io::Millis{100}));
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Errc::timeout);
  CHECK_THAT(n.error().message, Catch::Contains("error 15") && Catch::Contains("I/O timeout"));
  CHECK(twin.run(write_then_read(*link, "*IDN?\n", io::Millis{2000})).value() == "ledlab,PM-VXI-SIM,42,1.0\n");
}

namespace {
asio::awaitable<Status> unlock_then(io::Vxi11Link& holder, io::Vxi11Link& waiter, Status& waited) {
  using namespace asio::experimental::awaitable_operators;
  // The waiter asks with a lock_timeout while the holder still has the lock; the holder's
  // unlock is what lets it through.
  auto [lock_result, unlock_result] = co_await (waiter.lock(io::Millis{5000}) && holder.unlock(io::Millis{2000}));
  waited = lock_result;
  co_return unlock_result;
}
}  // namespace

TEST_CASE("a device locked by one link refuses another with error 11 until it is unlocked") {
  Twin twin;
  auto first = twin.link();
  auto second = twin.link("inst0");  // the same device under its other name shares the lock
  REQUIRE(twin.run(first->connect(io::Millis{2000})));
  REQUIRE(twin.run(second->connect(io::Millis{2000})));
  REQUIRE(twin.run(first->lock(io::Millis{0})));
  auto refused = twin.run(second->write("*IDN?\n", io::Millis{2000}));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("error 11") && Catch::Contains("locked by another link"));
  auto not_held = twin.run(second->unlock(io::Millis{2000}));
  REQUIRE_FALSE(not_held);
  CHECK_THAT(not_held.error().message, Catch::Contains("error 12"));
  CHECK(twin.run(write_then_read(*first, "*IDN?\n", io::Millis{2000})));

  Status waited;
  REQUIRE(twin.run(unlock_then(*first, *second, waited)));
  CHECK(waited);
  CHECK(twin.run(write_then_read(*second, "*IDN?\n", io::Millis{2000})));
  auto now_refused = twin.run(first->write("*IDN?\n", io::Millis{2000}));
  REQUIRE_FALSE(now_refused);
  // Closing the holder's link frees its lock (VXI-11 Rev 1.0 B.6.4).
  second->close();
  CHECK(twin.run(write_then_read(*first, "*IDN?\n", io::Millis{2000})));
}

TEST_CASE("cancel() ends a pending VXI-11 read at once and device_abort frees the device") {
  Twin twin;
  auto link = twin.link();
  REQUIRE(twin.run(link->connect(io::Millis{2000})));
  twin.server->on_read_wait = [&] { link->cancel(); };
  std::array<char, 64> chunk{};
  const auto started = std::chrono::steady_clock::now();
  auto n = twin.run(link->read_some(chunk, io::Millis{30000}));  // nothing was asked: only cancel ends it
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Errc::cancelled);
  twin.server->on_read_wait = nullptr;
  // The server's read ends too (error 23), so the link answers the next query at once; the
  // aborted read's late reply is told apart by its xid.
  CHECK(twin.run(write_then_read(*link, "*IDN?\n", io::Millis{2000})).value() == "ledlab,PM-VXI-SIM,42,1.0\n");
  CHECK(twin.server->aborts() == 1);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
}

TEST_CASE("a dropped VXI-11 connection fails the call, and the session reconnects on the next") {
  Twin twin;
  auto session = twin.session();
  REQUIRE(twin.run(session->write("SIM:FAULT:DROP")));
  auto dropped = twin.run(session->query("*IDN?"));
  REQUIRE_FALSE(dropped);
  CHECK(dropped.error().code == Errc::disconnected);
  auto idn = twin.run(session->query("*IDN?"));
  INFO((idn ? "" : idn.error().describe()));
  REQUIRE(idn);
  CHECK(*idn == "ledlab,PM-VXI-SIM,42,1.0");
}

namespace {

// A raw client that sends exactly the bytes it is given and reads one record back.
struct RawClient {
  RawClient(asio::io_context& io, std::uint16_t port) : socket(io) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void send(std::string_view bytes) { asio::write(socket, asio::buffer(bytes.data(), bytes.size())); }
  // The next record, or nullopt when the server closed the connection.
  std::optional<std::string> record() {
    io::rpc::RecordBuffer buffer;
    std::array<char, 4096> chunk{};
    for (;;) {
      auto next = buffer.next();
      if (next && *next) return **next;
      boost::system::error_code ec;
      const auto n = socket.read_some(asio::buffer(chunk), ec);
      if (ec) return std::nullopt;
      buffer.append(std::string_view(chunk.data(), n));
    }
  }
  tcp::socket socket;
};

std::string call_record(std::uint32_t procedure, std::string_view args) {
  io::xdr::Writer w;
  io::rpc::encode_call(w, {.xid = 77, .program = io::vxi11::kCoreProgram, .version = 1, .procedure = procedure});
  std::string message = w.take();
  message += args;
  return io::rpc::encode_record(message);
}

}  // namespace

TEST_CASE("a VXI-11 twin closes a connection that announces a huge fragment and serves the next client") {
  Twin twin;
  // Catch's assertions are not thread-safe: the hostile thread only records what it saw.
  bool answered = true;
  std::thread hostile([&] {
    RawClient raw(twin.io, twin.server->core_port());
    raw.send(std::string_view("\xff\xff\xff\xff", 4));  // last fragment, 2^31 - 1 bytes
    answered = raw.record().has_value();                // closed, nothing allocated for it
  });
  auto session = twin.session();
  REQUIRE(twin.run(session->query("*IDN?")));
  // The hostile thread's connection is served on this loop: run it until the thread is done.
  std::atomic<bool> done{false};
  std::thread waiter([&] { hostile.join(); done = true; });
  while (!done) twin.io.run_one_for(std::chrono::milliseconds(5));
  waiter.join();
  CHECK_FALSE(answered);
  CHECK(twin.run(session->query("*IDN?")));
}

TEST_CASE("a VXI-11 twin answers a call with truncated arguments with GARBAGE_ARGS") {
  Twin twin;
  std::optional<std::string> reply;
  std::thread client([&] {
    RawClient raw(twin.io, twin.server->core_port());
    // create_link whose device string claims 200 bytes and brings 4.
    raw.send(call_record(10, std::string("\x00\x00\x00\x01" "\x00\x00\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x00\xc8" "inst", 20)));
    reply = raw.record();
  });
  std::atomic<bool> done{false};
  std::thread waiter([&] { client.join(); done = true; });
  while (!done) twin.io.run_one_for(std::chrono::milliseconds(5));
  waiter.join();
  REQUIRE(reply);
  io::xdr::Reader in(*reply);
  auto header = io::rpc::decode_reply(in);
  REQUIRE(header);
  CHECK(header->xid == 77);
  CHECK(header->accept == io::rpc::AcceptStat::garbage_args);
}

TEST_CASE("links opened and closed leave the VXI-11 server held by its owner alone") {
  Twin twin;
  const auto held = twin.server.use_count();
  for (int i = 0; i < 3; ++i) {
    auto session = twin.session(i % 2 ? "pm1" : "inst0");
    auto idn = twin.run(session->query("*IDN?"));
    INFO(fmt::format("{} use_count {} held {}", (idn ? "" : idn.error().describe()), twin.server.use_count(), held));
    REQUIRE(idn);
    session.reset();
    INFO(i);
    CHECK(twin.server.use_count() >= held);
  }
  CHECK(twin.server->core_port() != 0);
  CHECK(twin.run(twin.session()->query("*IDN?")));
}

TEST_CASE("a serial poll during an outage loses the VXI-11 connection as a message would") {
  Twin twin;
  auto link = twin.link();
  REQUIRE(twin.run(link->connect(io::Millis{2000})));
  REQUIRE(twin.run(link->read_status_byte(io::Millis{2000})));
  twin.device->faults().outage(60);
  auto polled = twin.run(link->read_status_byte(io::Millis{2000}));
  REQUIRE_FALSE(polled);
  CHECK(polled.error().code == Errc::disconnected);
  // While it is off, a new link finds nothing behind the name.
  auto again = twin.run(link->connect(io::Millis{2000}));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::unreachable);
  twin.device->faults().clear();
}
