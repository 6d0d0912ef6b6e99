#include "engine/alerts/webhook_post.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include <vector>

namespace ledlab::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxReplyBytes = 64 * 1024;  // a webhook's answer is a word or two; more is not read
constexpr std::size_t kReasonChars = 120;          // of the reply's body, quoted in messages

Error failed(const WebhookUrl& url, const boost::system::error_code& ec, std::string_view step,
             std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return make_error(Errc::timeout, fmt::format("{}: no answer within {} ms ({})", url.text, timeout.count(), step));
  return make_error(step == "connect" || step == "resolve" ? Errc::unreachable : Errc::io,
                    fmt::format("{}: {}: {}", url.text, step, ec.message()));
}

// RFC 9112 section 3.2: Host carries the port unless it is the scheme's default; an IPv6
// literal keeps its brackets (RFC 3986 section 3.2.2).
std::string host_header(const WebhookUrl& url) {
  const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  return url.port == "80" ? host : host + ":" + url.port;
}

}  // namespace

asio::awaitable<Result<WebhookReply>> post_webhook(const WebhookUrl& url, const std::string& body,
                                                   std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  using asio::as_tuple, asio::use_awaitable;

  // A numeric address needs no resolver; a name is resolved by the system's resolver, whose
  // own timeouts bound that step.
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code ec;
  const auto port = static_cast<unsigned short>(std::stoul(url.port));
  if (auto address = asio::ip::make_address(url.host, ec); !ec) {
    endpoints.emplace_back(address, port);
  } else {
    tcp::resolver resolver(executor);
    auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, as_tuple(use_awaitable));
    if (rec) co_return fail(failed(url, rec, "resolve", timeout));
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }

  beast::tcp_stream stream(executor);
  stream.expires_at(deadline);
  if (auto [cec, ep] = co_await stream.async_connect(endpoints, as_tuple(use_awaitable)); cec)
    co_return fail(failed(url, cec, "connect", timeout));

  http::request<http::string_body> request{http::verb::post, url.target, 11};
  request.set(http::field::host, host_header(url));
  request.set(http::field::user_agent, "ledlab");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");  // one request per connection: alerts are rare
  request.body() = body;
  request.prepare_payload();
  if (auto [wec, n] = co_await http::async_write(stream, request, as_tuple(use_awaitable)); wec)
    co_return fail(failed(url, wec, "send", timeout));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  if (auto [rec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable)); rec)
    co_return fail(failed(url, rec, "reply", timeout));
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  const auto& reply = parser.get();
  WebhookReply out;
  out.status = reply.result_int();
  out.reason = std::string(reply.reason());
  if (const std::string& text = reply.body(); !text.empty())
    out.reason += fmt::format(" \"{}{}\"", text.substr(0, kReasonChars), text.size() > kReasonChars ? "..." : "");
  co_return out;
}

}  // namespace ledlab::engine
