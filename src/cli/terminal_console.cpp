#include "cli/terminal_console.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <istream>
#include <optional>

#include <unistd.h>

namespace ledlab::cli {

namespace {

namespace asio = boost::asio;

class TerminalConsole final : public engine::OperatorConsole {
 public:
  explicit TerminalConsole(std::ostream& out) : out_(out) {}

  void start(asio::io_context& io, LineHandler on_line) override {
    on_line_ = std::move(on_line);
    input_.emplace(io, ::dup(STDIN_FILENO));
    read();
  }

  void stop() override {
    if (!input_) return;
    boost::system::error_code ignored;
    input_->close(ignored);
  }

  void prompt(const engine::PendingPrompt& p, std::string_view) override {
    std::string numbered;
    for (std::size_t i = 0; i < p.spec.choices.size(); ++i)
      numbered += fmt::format("{}[{}] {}", i ? "  " : "", i + 1, p.spec.choices[i]);
    // BEL (ECMA-48 section 8.3.3): the terminal sounds or flashes, so that a person nearby
    // notices a run that waits on them.
    fmt::print(out_, "\a  {}\n", numbered);
    out_.flush();
  }

 private:
  void read() {
    asio::async_read_until(*input_, buf_, '\n', [this](const boost::system::error_code& ec, std::size_t) {
      if (ec) return;  // closed, or the end of the input: no more keys
      std::istream in(&buf_);
      std::string line;
      std::getline(in, line);
      on_line_(std::move(line));
      read();
    });
  }

  std::ostream& out_;
  LineHandler on_line_;
  std::optional<asio::posix::stream_descriptor> input_;
  asio::streambuf buf_{4096};
};

}  // namespace

std::shared_ptr<engine::OperatorConsole> terminal_console(std::ostream& out) {
  if (::isatty(STDIN_FILENO) == 0) return nullptr;
  return std::make_shared<TerminalConsole>(out);
}

}  // namespace ledlab::cli
