#pragma once
// A webhook receiver for tests: an HTTP/1.1 server (Boost.Beast) on 127.0.0.1 at a free port,
// on its own thread. It keeps every request it gets and answers with the given status codes
// in turn (the last one repeated), or, when silent, reads the request and never answers.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ledlab::test {

class WebhookReceiver {
 public:
  struct Request {
    std::string target;
    std::string content_type;
    std::string body;
  };
  enum class Mode { answer, silent };

  explicit WebhookReceiver(std::vector<unsigned> answers = {200}, Mode mode = Mode::answer)
      : answers_(std::move(answers)), mode_(mode) {
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    boost::asio::co_spawn(io_, accept(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~WebhookReceiver() {
    io_.stop();
    thread_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }

  // Waits (a generous safety timeout, not a settling time) until `n` requests came in.
  std::vector<Request> wait_for(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
    return got_;
  }
  std::vector<Request> received() {
    std::lock_guard lock(mutex_);
    return got_;
  }

 private:
  boost::asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      boost::asio::co_spawn(io_, serve(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    auto [ec, n] = co_await http::async_read(socket, buffer, request, boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) co_return;
    unsigned status = 200;
    {
      std::lock_guard lock(mutex_);
      status = answers_[std::min(got_.size(), answers_.size() - 1)];
      got_.push_back({std::string(request.target()), std::string(request[http::field::content_type]), request.body()});
    }
    arrived_.notify_all();
    if (mode_ == Mode::silent) {
      held_.push_back(std::move(socket));  // open, and never a word back
      co_return;
    }
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.set(http::field::connection, "close");
    response.body() = status == 200 ? "ok" : "try again later";
    response.prepare_payload();
    co_await http::async_write(socket, response, boost::asio::as_tuple(boost::asio::use_awaitable));
  }

  std::vector<unsigned> answers_;
  Mode mode_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::vector<boost::asio::ip::tcp::socket> held_;  // silent mode: touched on the receiver's thread
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Request> got_;
};

}  // namespace ledlab::test
