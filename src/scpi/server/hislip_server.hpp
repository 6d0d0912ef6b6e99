#pragma once
// Serves twins over HiSLIP (IVI-6.1) on one port: each Device under its sub-addresses
// ("hislip0", and its instrument name), any number of sessions, each a synchronous and an
// asynchronous channel. The server offers one mode (overlapped or synchronized, a setting);
// device clear, status query (from the device's IEEE 488.2 status model), exclusive and shared
// locks, maximum message size, Trigger and remote/local; the twin's delays wait on the station
// clock and its injected faults act as on the raw-socket server (a drop closes both channels).
#include "core/clock.hpp"
#include "io/hislip/message.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ledlab::scpi::server {

struct HislipOptions {
  bool overlapped = true;                      // the mode InitializeResponse offers (IVI-6.1 section 3)
  std::uint64_t max_message_bytes = 1u << 20;  // the largest Data/DataEnd payload taken
  std::size_t max_sessions = 64;
};

class HislipServer : public std::enable_shared_from_this<HislipServer> {
 public:
  HislipServer(boost::asio::io_context& io, std::string bind_address = "127.0.0.1", std::uint16_t port = 0,
               std::shared_ptr<Clock> clock = nullptr, HislipOptions options = {});

  // Serves `device` under each of `names` (matched without regard to case). An Initialize
  // with an empty sub-address reaches the first device added.
  void add(std::shared_ptr<Device> device, std::vector<std::string> names);
  void start();  // throws boost::system::system_error when the port cannot be bound
  void stop();   // closes the acceptor and every session
  std::uint16_t port() const { return port_; }
  const std::string& bind_address() const { return bind_; }
  std::size_t session_count() const { return sessions_.size(); }
  const HislipOptions& options() const { return options_; }

  struct Session;
  struct Target;

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> greet(std::shared_ptr<boost::asio::ip::tcp::socket> socket);
  boost::asio::awaitable<void> serve_sync(std::shared_ptr<Session> s);
  boost::asio::awaitable<void> serve_async(std::shared_ptr<Session> s);
  boost::asio::awaitable<void> run_message(std::shared_ptr<Session> s, std::uint32_t message_id);
  boost::asio::awaitable<boost::system::error_code> send_async(std::shared_ptr<Session> s, std::string bytes);
  boost::asio::awaitable<void> lock_request(std::shared_ptr<Session> s, std::string name, std::uint32_t wait_ms);
  // Waits until `target`'s locks change (a release, a closed session) or `deadline`.
  boost::asio::awaitable<void> wait_for_release(Target& target, std::chrono::steady_clock::time_point deadline);
  void release_locks(Session& s);
  void close_session(Session& s);
  Target* find_target(std::string_view sub_address);
  std::uint16_t new_session_id();

  boost::asio::io_context& io_;
  std::string bind_;
  std::uint16_t port_;
  std::shared_ptr<Clock> clock_;
  HislipOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::map<std::uint16_t, std::shared_ptr<Session>> sessions_;
  std::uint16_t next_session_id_ = 1;
};

// IVI-6.1 section 2.5 (locking): one exclusive holder, or any number of sessions holding the
// shared lock of one name. A session that holds neither while another holds one waits with
// its messages until the lock goes.
struct HislipServer::Target {
  std::shared_ptr<Device> device;
  std::vector<std::string> names;
  std::uint16_t exclusive = 0;                   // session holding the exclusive lock, 0 = none
  std::map<std::uint16_t, std::string> shared;   // session -> the shared lock's name it holds
  std::set<boost::asio::steady_timer*> waiters;  // woken (cancelled) when a lock goes

  bool can_lock(std::uint16_t session, const std::string& name) const;
  bool blocks(std::uint16_t session) const;  // another session's lock holds this one's messages
};

struct HislipServer::Session {
  Session(boost::asio::io_context& io, std::uint16_t id, Target* target,
          std::shared_ptr<boost::asio::ip::tcp::socket> sync)
      : id(id), target(target), sync(std::move(sync)), reply_timer(io) {}
  std::uint16_t id;
  Target* target;
  std::shared_ptr<boost::asio::ip::tcp::socket> sync, async;
  std::uint64_t client_max = 1u << 20;  // the largest message the client takes (AsyncMaximumMessageSize)
  ConnectionState state;
  std::string input;                    // the program message being received (Data ... DataEnd)
  bool skipping = false;                // the message being received was refused: drop to its DataEnd
  bool clearing = false;                // between AsyncDeviceClear and DeviceClearComplete
  std::uint64_t clear_generation = 0;   // a response computed before a clear is not sent
  bool in_message = false;              // a Data came: the message goes on to its DataEnd
  bool response_unread = false;         // a response was sent and the client has not said it read it
  std::deque<std::string> async_queue;  // messages for the asynchronous channel, in order
  bool async_writing = false;
  bool closed = false;
  boost::asio::steady_timer reply_timer;
};

}  // namespace ledlab::scpi::server
