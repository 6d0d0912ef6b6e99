// ledlab query: talk to one instrument by address, outside any station: the first thing a lab
// engineer does with a new instrument ("does it answer, what does it say").
#include "cli/commands.hpp"
#include "io/link.hpp"
#include "io/serial_settings.hpp"
#include "scpi/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include <iostream>

namespace ledlab::cli {

namespace asio = boost::asio;

namespace {

struct QueryOptions {
  std::string address;
  std::vector<std::string> commands;
  int timeout_ms = 2000;
  bool status_byte = false;
  bool clear = false;
  bool check = false;
  std::string remote;
};

// A reply as a person reads it: text as is, a definite-length block summarised.
std::string printable(const std::string& reply) {
  if (reply.size() > 2 && reply[0] == '#') {
    auto payload = scpi::parse_block(reply);
    if (payload) return fmt::format("<block of {} bytes>", payload->size());
  }
  return reply;
}

asio::awaitable<int> run_queries(scpi::Session& session, const QueryOptions& o) {
  const auto failed = [&](const Error& e) {
    std::cerr << "ledlab query: " << e.describe() << "\n";
    return 1;
  };
  if (auto st = co_await session.connect(); !st) co_return failed(st.error());
  if (o.clear)
    if (auto st = co_await session.device_clear(); !st) co_return failed(st.error());
  if (!o.remote.empty()) {
    const auto state = o.remote == "local" ? io::RemoteState::local
                       : o.remote == "lockout" ? io::RemoteState::local_lockout : io::RemoteState::remote;
    if (auto st = co_await session.set_remote(state); !st) co_return failed(st.error());
  }
  for (const auto& command : o.commands) {
    // IEEE 488.2: a program message that holds a query has a '?' in a header.
    if (command.find('?') != std::string::npos) {
      auto reply = co_await session.query(command);
      if (!reply) co_return failed(reply.error());
      std::cout << printable(*reply) << "\n";
    } else {
      // Two statements, not `check ? co_await a : co_await b`: GCC 12 miscompiles co_await in
      // both arms of a conditional operator (the result is destroyed twice: the error message
      // printed garbage and free() aborted).
      Status st;
      if (o.check) st = co_await session.write_checked(command);
      else st = co_await session.write(command);
      if (!st) co_return failed(st.error());
    }
  }
  if (o.status_byte) {
    auto stb = co_await session.serial_poll();
    if (!stb) co_return failed(stb.error());
    std::cout << fmt::format("STB 0x{:02x} ({})\n", *stb, *stb);
  }
  co_return 0;
}

}  // namespace

void register_query_command(CLI::App& app) {
  auto o = std::make_shared<QueryOptions>();
  auto* cmd = app.add_subcommand(
      "query", "Send SCPI commands to one instrument by address and print the replies (queries are those with '?')");
  cmd->add_option("address", o->address, "tcp://host:port, usbtmc://VID:PID[/serial], hislip://host[:port][/hislipN] or a VISA resource string")
      ->required();
  cmd->add_option("commands", o->commands, "commands in order, e.g. '*IDN?' 'SENS:CORR:WAV 450' 'MEAS:POW?'");
  cmd->add_option("--timeout-ms", o->timeout_ms, "reply timeout per read")->capture_default_str()->check(CLI::Range(1, 600000));
  cmd->add_flag("--stb", o->status_byte, "serial poll at the end (USB488 READ_STATUS_BYTE, HiSLIP AsyncStatusQuery)");
  cmd->add_flag("--clear", o->clear, "device clear first (USBTMC INITIATE_CLEAR, HiSLIP AsyncDeviceClear)");
  cmd->add_flag("--check", o->check, "after each write, read the error queue and fail on an error");
  cmd->add_option("--remote", o->remote, "remote/local state to set first (USB488, HiSLIP)")
      ->check(CLI::IsMember({"local", "remote", "lockout"}));
  cmd->callback([o] {
    auto address = io::parse_address(o->address);
    if (!address) {
      std::cerr << "ledlab query: " << address.error().message << "\n";
      throw Exit{2};
    }
    asio::io_context io;
    auto link = io::make_link(*address, io.get_executor());
    if (!link) {
      std::cerr << "ledlab query: " << link.error().describe() << "\n";
      throw Exit{2};
    }
    scpi::SessionOptions options;
    options.timeout = io::Millis{o->timeout_ms};
    options.reconnect_attempts = 1;
    if (auto term = io::address_terminators(*address)) {  // a serial line's own terminators
      options.write_terminator = term->write;
      options.read_terminator = term->read;
    }
    scpi::Session session(address->canonical(), std::move(*link), options);
    auto result = asio::co_spawn(io, run_queries(session, *o), asio::use_future);
    io.run();
    session.close();
    if (const int code = result.get(); code != 0) throw Exit{code};
  });
}

}  // namespace ledlab::cli
