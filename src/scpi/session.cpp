#include "scpi/session.hpp"

#include "core/activity.hpp"

#include "core/log.hpp"
#include "scpi/numbers.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <array>
#include <cctype>

namespace ledlab::scpi {

namespace asio = boost::asio;

namespace {
constexpr std::string_view kModule = "scpi";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Transport failures after which the byte stream can no longer be trusted.
bool breaks_stream(Errc code) {
  return code == Errc::timeout || code == Errc::cancelled || code == Errc::disconnected || code == Errc::io ||
         code == Errc::unplugged;
}
}  // namespace

std::size_t find_reply_end(std::string_view data, char terminator) {
  return find_message_end(data, terminator, Framing::response);
}

Result<std::string> parse_block(std::string_view reply) {
  if (reply.size() < 2 || reply[0] != '#' || reply[1] < '1' || reply[1] > '9')
    return fail(Errc::protocol, fmt::format("expected a definite-length block, got '{}'", reply.substr(0, 40)));
  const std::size_t ndigits = static_cast<std::size_t>(reply[1] - '0');
  if (reply.size() < 2 + ndigits) return fail(Errc::protocol, "block header is truncated");
  std::size_t len = 0;
  for (std::size_t k = 0; k < ndigits; ++k) {
    const char d = reply[2 + k];
    if (d < '0' || d > '9') return fail(Errc::protocol, "block length holds a non-digit");
    len = len * 10 + static_cast<std::size_t>(d - '0');
  }
  if (reply.size() < 2 + ndigits + len)
    return fail(Errc::protocol, fmt::format("block announces {} bytes but holds {}", len, reply.size() - 2 - ndigits));
  return std::string(reply.substr(2 + ndigits, len));
}

std::string make_block(std::string_view payload) {
  const std::string len = std::to_string(payload.size());
  std::string out = fmt::format("#{}{}", len.size(), len);
  out.append(payload);
  return out;
}

Result<Identity> parse_identity(std::string_view idn) {
  idn = trim(idn);
  Identity id;
  id.raw = idn;
  std::array<std::string*, 4> fields{&id.manufacturer, &id.model, &id.serial, &id.firmware};
  std::size_t field = 0, start = 0;
  for (std::size_t i = 0; i <= idn.size(); ++i) {
    if (i == idn.size() || idn[i] == ',') {
      if (field < fields.size()) *fields[field] = trim(idn.substr(start, i - start));
      ++field;
      start = i + 1;
    }
  }
  if (field != 4) return fail(Errc::protocol, fmt::format("*IDN? reply '{}' does not have 4 fields", idn));
  return id;
}

Result<InstrumentError> parse_error_entry(std::string_view reply) {
  reply = trim(reply);
  const auto comma = reply.find(',');
  if (comma == std::string_view::npos)
    return fail(Errc::protocol, fmt::format("SYST:ERR? reply '{}' is not <code>,\"text\"", reply));
  auto code = parse_integer(reply.substr(0, comma));
  if (!code) return fail(Errc::protocol, fmt::format("SYST:ERR? reply '{}' has no numeric code", reply));
  std::string_view text = trim(reply.substr(comma + 1));
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  return InstrumentError{static_cast<int>(*code), std::string(text)};
}

Session::Session(std::string instrument_name, std::unique_ptr<io::Link> link, SessionOptions options)
    : name_(std::move(instrument_name)), link_(std::move(link)), options_(std::move(options)),
      framer_(options_.read_terminator, Framing::response) {}

void Session::drop_received() {
  rx_.clear();
  restart_framer();
}

// With the terminator in force now: a caller may change options() between exchanges.
void Session::restart_framer() { framer_ = MessageFramer(options_.read_terminator, Framing::response); }

Error Session::context(Error e, std::string_view command) const {
  e.at(name_, command);
  return e;
}

asio::awaitable<Status> Session::connect() {
  auto guard = co_await mutex_.lock();
  Activity::Scope in_flight(co_await asio::this_coro::executor);  // a virtual clock waits for it
  drop_received();
  auto st = co_await link_->connect(options_.connect_timeout);
  if (!st) co_return fail(context(st.error(), "connect"));
  needs_reconnect_ = false;
  co_return Status{};
}

void Session::close() {
  link_->close();
  drop_received();
}

asio::awaitable<Status> Session::ensure_connected() {
  if (link_->is_open() && !needs_reconnect_) co_return Status{};
  auto backoff = options_.reconnect_backoff;
  Error last = make_error(Errc::disconnected, "link is closed");
  for (int attempt = 1; attempt <= std::max(1, options_.reconnect_attempts); ++attempt) {
    link_->close();
    drop_received();
    auto st = co_await link_->connect(options_.connect_timeout);
    if (st) {
      needs_reconnect_ = false;
      log::info(kModule, "{}: reconnected to {} (attempt {})", name_, link_->describe(), attempt);
      co_return Status{};
    }
    last = st.error();
    log::warn(kModule, "{}: reconnect attempt {} failed: {}", name_, attempt, last.describe());
    if (last.code == Errc::cancelled) break;
    if (attempt < options_.reconnect_attempts) {
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(backoff);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff *= 2;
    }
  }
  co_return fail(last);
}

asio::awaitable<Status> Session::send(const std::string& command) {
  std::string msg = command;
  if (!msg.ends_with(options_.write_terminator)) msg += options_.write_terminator;
  co_return co_await link_->write(msg, options_.timeout);
}

asio::awaitable<Result<std::string>> Session::read_reply(Millis timeout) {
  std::array<char, 16384> chunk{};
  for (;;) {
    // The framer resumes where it stopped, so a long reply arriving in many reads is scanned
    // once (a rescan from the front per read made a 64 MB reply quadratic).
    const std::size_t end = framer_.find_end(rx_);
    if (end != std::string::npos) {
      std::string reply = rx_.substr(0, end);
      rx_.erase(0, end + 1);
      restart_framer();
      if (!reply.empty() && reply.back() == '\r') reply.pop_back();
      co_return reply;
    }
    if (rx_.size() > options_.max_reply_bytes) {
      // The rest of this reply is still coming and cannot be told from the next: start afresh.
      drop_received();
      link_->close();
      co_return fail(Errc::protocol, fmt::format("reply exceeds {} bytes without a terminator", options_.max_reply_bytes));
    }
    // Inactivity deadline: each read gets the full timeout, so a long reply that keeps
    // arriving is not cut off while a silent instrument is.
    auto n = co_await link_->read_some(chunk, timeout);
    if (!n) co_return fail(n.error());
    rx_.append(chunk.data(), *n);
  }
}

asio::awaitable<Result<std::string>> Session::exchange(const std::string& command, bool expect_reply, Millis timeout) {
  auto guard = co_await mutex_.lock();
  // Simulated time stands still until the reply is in: the instrument answers at the
  // simulated moment it was asked (core/activity.hpp).
  Activity::Scope in_flight(co_await asio::this_coro::executor);
  if (auto st = co_await ensure_connected(); !st) co_return fail(context(st.error(), command));
  // Until the exchange completes, the stream counts as broken: if the caller's coroutine is
  // cancelled mid-way (an abort, a race it lost), the frame unwinds past every check below and
  // a late reply would be taken for the answer to the next query. The next call reconnects.
  needs_reconnect_ = true;
  if (auto st = co_await send(command); !st) {
    needs_reconnect_ = breaks_stream(st.error().code);
    co_return fail(context(st.error(), command));
  }
  if (!expect_reply) {
    needs_reconnect_ = false;
    co_return std::string{};
  }
  auto reply = co_await read_reply(timeout);
  if (!reply) {
    // A late reply would be taken for the answer to the next query: start afresh.
    needs_reconnect_ = breaks_stream(reply.error().code);
    co_return fail(context(reply.error(), command));
  }
  needs_reconnect_ = false;
  log::debug(kModule, "{}: {} -> {}", name_, command, reply->size() > 80 ? reply->substr(0, 80) + "..." : *reply);
  co_return reply;
}

asio::awaitable<Status> Session::write(std::string command) {
  auto r = co_await exchange(command, false, options_.timeout);
  if (!r) co_return fail(r.error());
  co_return Status{};
}

asio::awaitable<Result<std::string>> Session::query(std::string command) {
  co_return co_await exchange(command, true, options_.timeout);
}

asio::awaitable<Result<double>> Session::query_double(std::string command) {
  auto r = co_await query(command);
  if (!r) co_return fail(r.error());
  auto v = parse_real(*r);
  if (!v) co_return fail(context(make_error(Errc::protocol, fmt::format("reply '{}' is not a number", r->substr(0, 60))), command));
  co_return *v;
}

asio::awaitable<Result<long long>> Session::query_int(std::string command) {
  auto r = co_await query(command);
  if (!r) co_return fail(r.error());
  auto v = parse_integer(*r);
  if (!v) co_return fail(context(make_error(Errc::protocol, fmt::format("reply '{}' is not an integer", r->substr(0, 60))), command));
  co_return *v;
}

asio::awaitable<Result<std::string>> Session::query_block(std::string command) {
  auto r = co_await query(command);
  if (!r) co_return fail(r.error());
  auto block = parse_block(*r);
  if (!block) co_return fail(context(block.error(), command));
  co_return block;
}

asio::awaitable<Status> Session::wait_complete() {
  auto r = co_await exchange("*OPC?", true, options_.opc_timeout);
  if (!r) co_return fail(r.error());
  if (trim(*r) != "1")
    co_return fail(context(make_error(Errc::protocol, fmt::format("*OPC? answered '{}' instead of 1", *r)), "*OPC?"));
  co_return Status{};
}

asio::awaitable<Result<Identity>> Session::identify() {
  auto r = co_await query("*IDN?");
  if (!r) co_return fail(r.error());
  auto id = parse_identity(*r);
  if (!id) co_return fail(context(id.error(), "*IDN?"));
  co_return id;
}

asio::awaitable<Result<std::vector<InstrumentError>>> Session::drain_errors() {
  std::vector<InstrumentError> errors;
  // The queue holds at most a few dozen entries; the bound stops a twin that never empties.
  for (int i = 0; i < 64; ++i) {
    auto r = co_await query("SYST:ERR?");
    if (!r) co_return fail(r.error());
    auto e = parse_error_entry(*r);
    if (!e) co_return fail(context(e.error(), "SYST:ERR?"));
    if (e->code == 0) co_return errors;
    errors.push_back(std::move(*e));
  }
  co_return fail(context(make_error(Errc::protocol, "error queue did not empty after 64 reads"), "SYST:ERR?"));
}

asio::awaitable<Status> Session::write_checked(std::string command) {
  if (auto st = co_await write(command); !st) co_return st;
  auto errors = co_await drain_errors();
  if (!errors) {
    // The setting was sent; what failed is the check after it. Say both.
    Error e = errors.error();
    e.command = fmt::format("{} (checking with {})", command, e.command);
    co_return fail(std::move(e));
  }
  if (!errors->empty()) {
    const auto& first = errors->front();
    Error e = make_error(Errc::instrument, fmt::format("{},\"{}\"", first.code, first.message));
    e.scpi_code = first.code;
    co_return fail(context(std::move(e), command));
  }
  co_return Status{};
}

template <class Op>
auto Session::out_of_band(std::string_view what, Op op) -> decltype(op()) {
  auto guard = co_await mutex_.lock();
  Activity::Scope in_flight(co_await asio::this_coro::executor);
  if (auto st = co_await ensure_connected(); !st) co_return fail(context(st.error(), what));
  auto r = co_await op();
  if (!r) co_return fail(context(r.error(), what));
  co_return r;
}

asio::awaitable<Result<std::uint8_t>> Session::serial_poll() {
  co_return co_await out_of_band("serial poll", [this] { return link_->read_status_byte(options_.timeout); });
}

asio::awaitable<Result<std::uint8_t>> Session::status_byte() {
  if (link_->has_serial_poll()) co_return co_await serial_poll();
  auto v = co_await query_int("*STB?");
  if (!v) co_return fail(v.error());
  if (*v < 0 || *v > 255)
    co_return fail(context(make_error(Errc::protocol, fmt::format("status byte {} is outside 0..255", *v)), "*STB?"));
  co_return static_cast<std::uint8_t>(*v);
}

asio::awaitable<Status> Session::device_clear() {
  co_return co_await out_of_band("device clear", [this]() -> asio::awaitable<Status> {
    auto st = co_await link_->device_clear(options_.timeout);
    if (st) drop_received();  // the device dropped its unread replies; so do we
    co_return st;
  });
}

asio::awaitable<Status> Session::set_remote(io::RemoteState state) {
  co_return co_await out_of_band("remote/local", [this, state] { return link_->set_remote(state, options_.timeout); });
}

}  // namespace ledlab::scpi
