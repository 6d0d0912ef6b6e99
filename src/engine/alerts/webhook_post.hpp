#pragma once
// One HTTP/1.1 POST of a JSON body to a webhook (RFC 9110 section 9.3.3), with one deadline
// for the whole exchange: resolve, connect, send, the reply's head and body.
#include "core/error.hpp"
#include "engine/alert_spec.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

namespace ledlab::engine {

struct WebhookReply {
  unsigned status = 0;  // the HTTP status code
  std::string reason;   // its reason phrase and the start of the body, for messages
  bool ok() const { return status >= 200 && status < 300; }
  // Worth another attempt: the receiver is overloaded or failing (RFC 9110 section 15.6,
  // 408 Request Timeout, 429 Too Many Requests); other 4xx answers will not change.
  bool transient() const { return status >= 500 || status == 408 || status == 429; }
};

// Errors (no reply at all) are worth another attempt: Errc::timeout when nothing came back
// within `timeout`, Errc::unreachable when no connection could be made, Errc::io otherwise.
boost::asio::awaitable<Result<WebhookReply>> post_webhook(const WebhookUrl& url, const std::string& body,
                                                          std::chrono::milliseconds timeout);

}  // namespace ledlab::engine
