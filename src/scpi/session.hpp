#pragma once
// IEEE 488.2 client on a link: write, query, *OPC? sync, SYST:ERR? drain, definite-length
// blocks, reconnect after a dropped link. Knows nothing about instrument kinds.
#include "core/error.hpp"
#include "io/link.hpp"
#include "scpi/async_mutex.hpp"
#include "scpi/framing.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ledlab::scpi {

using io::Millis;

struct SessionOptions {
  Millis timeout{2000};          // inactivity deadline per read; moves on whenever bytes arrive
  Millis connect_timeout{3000};
  Millis opc_timeout{60000};     // *OPC? waits for slow operations (chamber, long gates)
  std::string write_terminator = "\n";
  char read_terminator = '\n';
  int reconnect_attempts = 3;    // before giving up on a call after the link dropped
  Millis reconnect_backoff{250}; // doubled after each failed attempt
  std::size_t max_reply_bytes = 64u << 20;
};

// One entry of the instrument's error queue, with its own code and text.
struct InstrumentError {
  int code = 0;
  std::string message;
};

struct Identity {
  std::string manufacturer, model, serial, firmware;
  std::string raw;
};

Result<Identity> parse_identity(std::string_view idn);
Result<InstrumentError> parse_error_entry(std::string_view reply);

class Session {
 public:
  Session(std::string instrument_name, std::unique_ptr<io::Link> link, SessionOptions options = {});

  const std::string& name() const { return name_; }
  const SessionOptions& options() const { return options_; }
  SessionOptions& options() { return options_; }
  bool connected() const { return link_->is_open(); }
  std::string describe_link() const { return link_->describe(); }

  boost::asio::awaitable<Status> connect();
  void close();
  // Aborts the exchange in progress; it fails with Errc::cancelled.
  void cancel() { link_->cancel(); }

  boost::asio::awaitable<Status> write(std::string command);
  boost::asio::awaitable<Result<std::string>> query(std::string command);
  boost::asio::awaitable<Result<double>> query_double(std::string command);
  boost::asio::awaitable<Result<long long>> query_int(std::string command);
  // A reply that is one definite-length block (#<n><len><bytes>); returns the bytes.
  boost::asio::awaitable<Result<std::string>> query_block(std::string command);
  // Waits until the instrument finished the operations before (*OPC? answers 1).
  boost::asio::awaitable<Status> wait_complete();
  boost::asio::awaitable<Result<Identity>> identify();
  // Reads SYST:ERR? until the queue is empty.
  boost::asio::awaitable<Result<std::vector<InstrumentError>>> drain_errors();
  // Writes, then drains the error queue; the first queued error becomes the result.
  boost::asio::awaitable<Status> write_checked(std::string command);

  // Out-of-band controls of links that carry them (USB488); others fail with
  // Errc::invalid_argument. Serialised with the exchanges.
  boost::asio::awaitable<Result<std::uint8_t>> serial_poll();  // READ_STATUS_BYTE
  boost::asio::awaitable<Status> device_clear();             // INITIATE_CLEAR: buffers emptied
  boost::asio::awaitable<Status> set_remote(io::RemoteState state);
  // The status byte by the least intrusive route: a serial poll where the link has one (USB488:
  // nothing crosses the message pipes, so no reply in the instrument's output queue is
  // disturbed), else the *STB? query. The engine's link heartbeat uses this.
  boost::asio::awaitable<Result<std::uint8_t>> status_byte();

 private:
  boost::asio::awaitable<Status> ensure_connected();
  template <class Op>
  auto out_of_band(std::string_view what, Op op) -> decltype(op());
  boost::asio::awaitable<Status> send(const std::string& command);
  boost::asio::awaitable<Result<std::string>> read_reply(Millis timeout);
  boost::asio::awaitable<Result<std::string>> exchange(const std::string& command, bool expect_reply, Millis timeout);
  Error context(Error e, std::string_view command) const;

  std::string name_;
  std::unique_ptr<io::Link> link_;
  SessionOptions options_;
  AsyncMutex mutex_;
  void drop_received();     // forgets rx_ (a new connection, a device clear)
  void restart_framer();
  std::string rx_;          // bytes received beyond the last reply
  MessageFramer framer_;    // how far rx_ has been scanned for the reply's end
  bool needs_reconnect_ = false;
};

// Finds where a reply ends in `data`: the index of its terminator, skipping the payload of
// definite-length blocks (which may contain the terminator byte). npos if incomplete.
std::size_t find_reply_end(std::string_view data, char terminator);
// Extracts the payload of a definite-length block ("#3005hello" -> "hello").
Result<std::string> parse_block(std::string_view reply);
std::string make_block(std::string_view payload);

}  // namespace ledlab::scpi
