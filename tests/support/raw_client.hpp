#pragma once
// A plain blocking TCP client for tests that must misbehave as no session would: send half a
// line, a line of any size, bytes that are not SCPI, and never read. Reads wait on poll() with
// a deadline that is only a safety net.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ledlab::test {

class RawClient {
 public:
  explicit RawClient(std::uint16_t port, const char* ipv4 = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, ipv4, &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect() to port " + std::to_string(port) + " failed");
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Blocks until every byte went out; false if the peer closed.
  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One reply line without its terminator, or nothing if none came before the deadline or the
  // peer closed.
  std::optional<std::string> read_line(std::chrono::milliseconds safety = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + safety;
    for (;;) {
      if (const auto nl = rx_.find('\n'); nl != std::string::npos) {
        std::string line = rx_.substr(0, nl);
        rx_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      rx_.append(buf, static_cast<std::size_t>(n));
    }
  }

  std::optional<std::string> ask(std::string_view query) {
    if (!send_all(std::string(query) + "\n")) return std::nullopt;
    return read_line();
  }

 private:
  int fd_ = -1;
  std::string rx_;
};

}  // namespace ledlab::test
