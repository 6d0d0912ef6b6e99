#pragma once
// Serves twins over VXI-11 (VXI-11 Rev 1.0, TCP/IP Instrument Protocol) the way an LXI
// instrument does: a portmapper (RFC 1833, program 100000 v2) on TCP and UDP, so a broadcast
// GETPORT finds it; a core channel where create_link picks a Device by name; an abort channel.
// One server holds any number of devices (a gateway with several instruments behind it):
// each link runs its device's program messages in order, like one raw-socket connection of
// Server, with the same delays on the station clock and the same injected faults.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "io/vxi11/xdr.hpp"
#include "io/vxi11/rpc.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace ledlab::scpi::server {

class Vxi11Server : public std::enable_shared_from_this<Vxi11Server> {
 public:
  struct Options {
    std::string bind_address = "127.0.0.1";
    std::uint16_t portmapper_port = 0;  // 111 is the standard's; 0 picks a free port
    bool portmapper = true;             // off when another portmapper already answers
    // create_link's maxRecvSize (VXI-11 Rev 1.0 B.6.2: at least 1024): the most data one
    // device_write may carry.
    std::uint32_t max_recv_size = 16384;
  };

  Vxi11Server(boost::asio::io_context& io, std::shared_ptr<Clock> clock, Options options);
  Vxi11Server(boost::asio::io_context& io, std::shared_ptr<Clock> clock) : Vxi11Server(io, std::move(clock), Options{}) {}

  // Serves `device` under `name` (create_link matches names without regard to case). A device
  // may be added under several names.
  void add_device(const std::string& name, std::shared_ptr<Device> device);
  // Binds every channel; throws boost::system::system_error when a port is taken.
  void start();
  void stop();

  std::uint16_t portmapper_port() const { return portmapper_port_; }
  std::uint16_t core_port() const { return core_port_; }
  std::uint16_t abort_port() const { return abort_port_; }
  const std::string& bind_address() const { return options_.bind_address; }
  std::size_t link_count() const { return links_.size(); }
  std::size_t device_writes() const { return device_writes_; }  // device_write calls served
  std::size_t aborts() const { return aborts_; }                // device_read calls ended by device_abort
  // Called when a device_read starts waiting on an empty output queue (tests cancel then).
  std::function<void()> on_read_wait;

  struct Served;  // a device and its lock
  struct LinkState;
  struct Connection;

 private:
  enum class Channel { portmapper, core, abort };
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor, Channel channel);
  boost::asio::awaitable<void> serve_core(std::shared_ptr<Connection> connection);
  boost::asio::awaitable<void> serve_abort(std::shared_ptr<boost::asio::ip::tcp::socket> socket);
  boost::asio::awaitable<void> serve_portmapper_tcp(std::shared_ptr<boost::asio::ip::tcp::socket> socket);
  boost::asio::awaitable<void> serve_portmapper_udp();
  boost::asio::awaitable<void> run_link(std::shared_ptr<LinkState> link);

  boost::asio::awaitable<std::string> core_call(std::shared_ptr<Connection> connection, const io::rpc::CallHeader& call,
                                                io::xdr::Reader& in);
  boost::asio::awaitable<std::string> abort_call(const io::rpc::CallHeader& call, io::xdr::Reader& in);
  std::string portmapper_call(const io::rpc::CallHeader& call, io::xdr::Reader& in) const;

  // Each returns the procedure's results, or the decoding error that makes it GARBAGE_ARGS.
  boost::asio::awaitable<Result<std::string>> create_link(std::shared_ptr<Connection> connection, io::xdr::Reader& in);
  boost::asio::awaitable<Result<std::string>> device_write(io::xdr::Reader& in);
  boost::asio::awaitable<Result<std::string>> device_read(io::xdr::Reader& in);
  boost::asio::awaitable<Result<std::string>> generic_call(std::uint32_t procedure, io::xdr::Reader& in);
  boost::asio::awaitable<Result<std::string>> device_lock(io::xdr::Reader& in);
  Result<std::string> link_only_call(std::uint32_t procedure, io::xdr::Reader& in);  // destroy_link, device_unlock
  std::shared_ptr<LinkState> find(std::int32_t lid) const;
  // Waits while another link holds the device's lock: 0 when this link may go on, else error 11.
  boost::asio::awaitable<std::int32_t> wait_for_lock(LinkState& link, std::uint32_t flags, std::uint32_t lock_timeout_ms);
  void destroy(const std::shared_ptr<LinkState>& link);

  boost::asio::io_context& io_;
  std::shared_ptr<Clock> clock_;
  Options options_;
  boost::asio::ip::tcp::acceptor portmapper_tcp_, core_, abort_;
  boost::asio::ip::udp::socket portmapper_udp_;
  std::uint16_t portmapper_port_ = 0, core_port_ = 0, abort_port_ = 0;
  std::map<std::string, std::shared_ptr<Served>> devices_;  // by lower-case name
  std::map<std::int32_t, std::shared_ptr<LinkState>> links_;
  std::set<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::int32_t next_lid_ = 1;
  std::size_t device_writes_ = 0;
  std::size_t aborts_ = 0;
  bool stopped_ = false;
};

}  // namespace ledlab::scpi::server
