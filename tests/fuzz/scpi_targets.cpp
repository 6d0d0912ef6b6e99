#include "fuzz/scpi_targets.hpp"

#include "io/link.hpp"
#include "scpi/framing.hpp"
#include "scpi/numbers.hpp"
#include "scpi/server/device.hpp"
#include "scpi/server/message_reader.hpp"
#include "scpi/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

namespace ledlab::fuzz {
namespace {

using namespace scpi::server;

constexpr std::size_t kInputBytes = 512;
constexpr std::size_t kOutputBytes = 256;
const std::string kIdentity = "ACME,FUZZ,1,1.0";

// Cuts `input` into pieces of 1..64 bytes, the same for the same seed.
std::vector<std::string_view> pieces(std::string_view input, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string_view> out;
  while (!input.empty()) {
    const std::size_t n = std::min<std::size_t>(input.size(), 1 + rng() % 64);
    out.push_back(input.substr(0, n));
    input.remove_prefix(n);
  }
  return out;
}

std::shared_ptr<Device> small_device() {
  auto d = std::make_shared<Device>(Identity{"ACME", "FUZZ", "1", "1.0"});
  auto wavelength = std::make_shared<double>(850);
  d->on("[SENSe#]:CORRection:WAVelength", [wavelength](Request& r) { *wavelength = r.params.real(0, {400, 1700, 850}); },
        [wavelength](Request& r) { r.reply(*wavelength); });
  d->on("SENSe#:POWer:UNIT", [](Request& r) { r.params.choice(0, {"W", "DBM"}); }, [](Request& r) { r.reply("W"); });
  d->on("MEASure#:POWer", {}, [](Request& r) { r.reply(1.5e-6 * r.suffix()); });
  auto data = std::make_shared<std::string>();
  d->on("DATA", [data](Request& r) { *data = r.params.text(0); }, [data](Request& r) { r.reply_block(*data); });
  d->on("COUNt", [](Request& r) { r.params.integer(0); }, [](Request& r) { r.reply_int(7); });
  d->on("SOURce#:STATe", [](Request& r) { r.params.boolean(0); });
  d->buffers.input_bytes = kInputBytes;
  d->buffers.output_bytes = kOutputBytes;
  return d;
}

struct Framed {
  std::vector<std::string> messages;
  std::size_t overruns = 0;
};

Framed frame(const std::vector<std::string_view>& parts) {
  MessageReader reader(kInputBytes);
  Framed f;
  for (auto part : parts) {
    reader.append(part);
    while (auto m = reader.next()) f.messages.emplace_back(*m);
    f.overruns += reader.take_overruns();
  }
  return f;
}

std::optional<std::string> run_on_device(Device& device, std::string_view message, ConnectionState& state) {
  const Outcome out = device.execute(message, state);
  if (out.reply.size() > kOutputBytes)
    return fmt::format("a reply of {} bytes outgrew the {}-byte output queue", out.reply.size(), kOutputBytes);
  if (out.has_reply != !out.reply.empty()) return std::string("has_reply disagrees with the reply");
  if (device.status().errors().size() > 20) return std::string("the error queue outgrew its 20 entries");
  return std::nullopt;
}

// A link that hands out scripted pieces, then times out as a silent instrument does.
class ScriptedLink final : public io::Link {
 public:
  explicit ScriptedLink(std::vector<std::string_view> parts) : parts_(std::move(parts)) {}
  std::string describe() const override { return "scripted"; }
  bool is_open() const override { return open_; }
  boost::asio::awaitable<Status> connect(io::Millis) override {
    open_ = true;
    co_return Status{};
  }
  boost::asio::awaitable<Status> write(std::string_view, io::Millis) override { co_return Status{}; }
  boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, io::Millis) override {
    if (next_ == parts_.size()) co_return fail(Errc::timeout, "script exhausted");
    const auto part = parts_[next_++];
    if (part.size() > buffer.size()) co_return fail(Errc::io, "piece larger than the read buffer");
    std::copy(part.begin(), part.end(), buffer.begin());
    co_return part.size();
  }
  void cancel() override {}
  void close() override { open_ = false; }

 private:
  std::vector<std::string_view> parts_;
  std::size_t next_ = 0;
  bool open_ = false;
};

// The replies of `data` one after another, as the one-shot framing finds them.
std::vector<std::string> one_shot_replies(std::string_view data) {
  std::vector<std::string> replies;
  for (;;) {
    const auto end = scpi::find_reply_end(data, '\n');
    if (end == std::string_view::npos) return replies;
    std::string reply(data.substr(0, end));
    if (!reply.empty() && reply.back() == '\r') reply.pop_back();
    replies.push_back(std::move(reply));
    data.remove_prefix(end + 1);
  }
}

std::optional<std::string> parse_reply(const std::string& reply) {
  (void)scpi::parse_real(reply);
  (void)scpi::parse_integer(reply);
  (void)scpi::parse_identity(reply);
  (void)scpi::parse_error_entry(reply);
  if (auto block = scpi::parse_block(reply)) {
    auto again = scpi::parse_block(scpi::make_block(*block));
    if (!again || *again != *block) return std::string("a block's payload does not survive make_block/parse_block");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_device_input(std::string_view input, std::uint64_t split_seed) {
  auto device = small_device();
  const Framed whole = frame({input});
  const Framed cut = frame(pieces(input, split_seed));
  if (whole.overruns == 0 && cut.overruns == 0 && whole.messages != cut.messages)
    return fmt::format("the messages depend on how the bytes arrived ({} whole, {} in pieces)", whole.messages.size(),
                       cut.messages.size());
  ConnectionState state;
  for (const auto& m : cut.messages)
    if (auto bad = run_on_device(*device, m, state)) return bad;
  ConnectionState line_state;
  if (auto bad = run_on_device(*device, input, line_state)) return bad;
  ConnectionState fresh;
  const Outcome idn = device->execute("*IDN?", fresh);
  if (idn.reply != kIdentity) return fmt::format("*IDN? answered '{}' afterwards", idn.reply.substr(0, 80));
  return std::nullopt;
}

std::optional<std::string> check_reply_input(std::string_view input, std::uint64_t split_seed) {
  const auto expected = one_shot_replies(input);
  for (const auto& r : expected)
    if (auto bad = parse_reply(r)) return bad;

  scpi::MessageFramer framer('\n', scpi::Framing::response);
  std::string buffer;
  std::vector<std::string> incremental;
  for (auto part : pieces(input, split_seed)) {
    buffer.append(part);
    for (std::size_t end; (end = framer.find_end(buffer)) != std::string::npos;) {
      std::string reply = buffer.substr(0, end);
      if (!reply.empty() && reply.back() == '\r') reply.pop_back();
      incremental.push_back(std::move(reply));
      buffer.erase(0, end + 1);
      framer.restart();
    }
  }
  if (incremental != expected)
    return fmt::format("the framer found {} replies in pieces, {} at once", incremental.size(), expected.size());

  boost::asio::io_context io;
  scpi::SessionOptions options;
  options.reconnect_attempts = 1;
  options.max_reply_bytes = 1u << 20;
  scpi::Session session("fuzz", std::make_unique<ScriptedLink>(pieces(input, split_seed)), options);
  auto read_all = [&]() -> boost::asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> got;
    if (!co_await session.connect()) co_return got;
    for (;;) {
      auto r = co_await session.query("Q?");
      if (!r) co_return got;
      got.push_back(std::move(*r));
    }
  };
  auto fut = boost::asio::co_spawn(io, read_all(), boost::asio::use_future);
  io.run();
  if (fut.get() != expected) return std::string("the session read other replies than the framing finds");
  return std::nullopt;
}

}  // namespace ledlab::fuzz
