#include "io/discovery/identify.hpp"

#include "io/address.hpp"
#include "io/link.hpp"
#include "scpi/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <memory>

namespace ledlab::io::discovery {

namespace asio = boost::asio;

namespace {

struct Asked {
  std::unique_ptr<scpi::Session> session;
  std::string idn, error;
  bool done = false;
};

struct Shared {
  std::vector<Asked> asked;
  std::size_t pending = 0;
  asio::steady_timer all_done;
  explicit Shared(asio::any_io_executor ex) : all_done(ex) {}
};

asio::awaitable<void> ask_one(std::shared_ptr<Shared> shared, std::size_t index) {
  auto& a = shared->asked[index];
  if (auto st = co_await a.session->connect(); !st) {
    a.error = st.error().describe();
  } else if (auto reply = co_await a.session->query("*IDN?"); !reply) {
    a.error = reply.error().describe();
  } else {
    a.idn = *reply;
  }
  a.session->close();
  a.done = true;
  if (--shared->pending == 0) shared->all_done.cancel();
}

}  // namespace

asio::awaitable<void> identify_all(std::vector<Found>& found, std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  auto shared = std::make_shared<Shared>(ex);
  shared->asked.resize(found.size());
  for (std::size_t i = 0; i < found.size(); ++i) {
    auto address = parse_address(found[i].resource);
    auto link = address ? make_link(*address, ex) : Result<std::unique_ptr<Link>>(fail(address.error()));
    if (!link) {
      found[i].error = link.error().describe();
      continue;
    }
    scpi::SessionOptions options;
    options.timeout = timeout;
    options.connect_timeout = timeout;
    options.reconnect_attempts = 1;  // discovery asks once: an instrument that drops is reported as such
    shared->asked[i].session = std::make_unique<scpi::Session>(found[i].resource, std::move(*link), options);
    ++shared->pending;
  }
  // co_spawn may run a child at once, on this thread, up to its first suspension: one whose
  // link fails without waiting is done before the wait below starts, so the wait only begins
  // while some are pending (a cancel() with no wait under way would be lost).
  for (std::size_t i = 0; i < found.size(); ++i)
    if (shared->asked[i].session) asio::co_spawn(ex, ask_one(shared, i), asio::detached);
  if (shared->pending > 0) {
    // Connect, write and read each have their own deadline; this one bounds the whole, in case
    // a link ignores its timeouts.
    shared->all_done.expires_after(3 * timeout + std::chrono::milliseconds(500));
    boost::system::error_code ec;
    co_await shared->all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    auto& a = shared->asked[i];
    if (!a.session) continue;
    if (!a.done) {
      a.session->cancel();
      found[i].error = fmt::format("no *IDN? reply within {} ms", (3 * timeout).count());
      continue;
    }
    found[i].idn = a.idn;
    found[i].error = a.error;
  }
}

}  // namespace ledlab::io::discovery
