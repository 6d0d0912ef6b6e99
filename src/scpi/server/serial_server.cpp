#include "scpi/server/serial_server.hpp"

#include "core/log.hpp"
#include "scpi/server/message_reader.hpp"
#include "scpi/server/reply_pacing.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace ledlab::scpi::server {

namespace asio = boost::asio;

namespace {
constexpr std::string_view kModule = "twin";
}

SerialServer::SerialServer(asio::io_context& io, std::shared_ptr<Device> device, io::SerialSettings line,
                           std::shared_ptr<Clock> clock)
    : io_(io), device_(std::move(device)), line_(std::move(line)),
      clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)) {}

SerialServer::~SerialServer() { stop(); }

Status SerialServer::start() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ledlab-serial-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return fail(Errc::io, fmt::format("cannot make a directory for the serial twin: {}", std::strerror(errno)));
  dir_ = tmpl;
  link_path_ = dir_ + "/tty";
  line_.device = link_path_;
  return plug();
}

std::string SerialServer::address() const { return line_.describe(); }

Status SerialServer::plug() {
  auto pty = io::open_pty_pair();
  if (!pty) return fail(pty.error());
  // Swapped in with a rename, so a driver never finds the path missing.
  const std::string next = link_path_ + ".next";
  ::unlink(next.c_str());
  if (::symlink(pty->slave_path.c_str(), next.c_str()) != 0 || ::rename(next.c_str(), link_path_.c_str()) != 0)
    return fail(Errc::io, fmt::format("cannot link {} to {}: {}", link_path_, pty->slave_path, std::strerror(errno)));
  slave_hold_ = std::exchange(pty->slave, -1);
  master_ = std::make_shared<asio::posix::stream_descriptor>(io_, pty->release_master());
  const std::uint64_t generation = ++generation_;
  asio::co_spawn(io_, [self = shared_from_this(), port = master_, generation] { return self->serve(port, generation); },
                 asio::detached);
  return {};
}

void SerialServer::unplug() {
  if (master_) {
    boost::system::error_code ignored;
    master_->close(ignored);
    master_.reset();
  }
  if (slave_hold_ >= 0) ::close(std::exchange(slave_hold_, -1));
}

Status SerialServer::replug() {
  unplug();
  log::info(kModule, "{}: serial cable pulled and plugged in again at {}", device_->identity().model, link_path_);
  return plug();
}

void SerialServer::stop() {
  unplug();
  if (!dir_.empty()) {
    ::unlink(link_path_.c_str());
    ::rmdir(dir_.c_str());
    dir_.clear();
  }
}

asio::awaitable<void> SerialServer::serve(std::shared_ptr<asio::posix::stream_descriptor> port, std::uint64_t generation) {
  ConnectionState state;
  // Bounded like any connection (IEEE 488.2 6.1.5): a line longer than the input buffer is
  // refused and skipped to its terminator. The twin reads what the host writes: a CR LF line is
  // framed on its LF, and Device::execute drops the CR.
  MessageReader input(device_->buffers.input_bytes, line_.write_terminator.back());
  std::array<char, 4096> chunk{};
  asio::steady_timer timer(io_);
  const auto still_plugged = [&] { return generation == generation_ && port->is_open(); };
  for (;;) {
    const auto line = input.next();
    for (auto n = input.take_overruns(); n > 0; --n) device_->input_overrun();
    if (!line) {
      auto [ec, n] = co_await port->async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (ec || !still_plugged()) co_return;
      input.append(std::string_view(chunk.data(), n));
      continue;
    }
    Outcome out = device_->execute(*line, state);
    if (out.fault.drop || device_->faults().in_outage()) {
      log::info(kModule, "{}: injected fault: unplugging the serial line", device_->identity().model);
      if (auto st = replug(); !st) log::warn(kModule, "{}: {}", device_->identity().model, st.error().describe());
      co_return;
    }
    co_await hold_reply(io_, *clock_, out, timer);
    if (!still_plugged()) co_return;
    if (!out.has_reply) continue;
    if (out.fault.garble) device_->faults().garble_text(out.reply);
    out.reply += line_.read_terminator;  // what the host reads
    auto [wec, written] = co_await asio::async_write(*port, asio::buffer(out.reply), asio::as_tuple(asio::use_awaitable));
    if (wec) co_return;
  }
}

}  // namespace ledlab::scpi::server
