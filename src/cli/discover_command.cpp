// ledlab discover: the instruments on the LAN (mDNS / DNS-SD, VXI-11 broadcast) and the USB bus, as VISA
// resource strings with their *IDN? replies: "what is there, and how do I reach it".
#include "cli/commands.hpp"
#include "io/discovery/identify.hpp"
#include "io/discovery/mdns_browse.hpp"
#include "io/discovery/usb.hpp"
#include "io/discovery/vxi11_broadcast.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace ledlab::cli {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using io::discovery::Found;

namespace {

struct DiscoverOptions {
  double timeout_s = 2;
  bool no_idn = false;
  bool json = false;
  std::vector<std::string> methods;  // empty: all
};

bool wants(const DiscoverOptions& o, std::string_view method) {
  return o.methods.empty() || std::find(o.methods.begin(), o.methods.end(), method) != o.methods.end();
}

struct Outcome {
  std::vector<Found> found;
  std::vector<std::string> failures;  // one per method that could not run
  int methods = 0;
};

// Each LAN method as an awaitable whether it is wanted or not, so both can be raced with &&.
asio::awaitable<Result<std::vector<Found>>> by_mdns_if(bool wanted, io::discovery::MdnsBrowseOptions options) {
  if (!wanted) co_return std::vector<Found>();
  co_return co_await io::discovery::browse_mdns(std::move(options));
}

asio::awaitable<Result<std::vector<Found>>> by_vxi11_if(bool wanted, io::discovery::Vxi11BroadcastOptions options) {
  if (!wanted) co_return std::vector<Found>();
  co_return co_await io::discovery::broadcast_vxi11(std::move(options));
}

asio::awaitable<Outcome> discover(const DiscoverOptions& o) {
  const auto timeout = std::chrono::milliseconds(static_cast<long long>(o.timeout_s * 1000));
  Outcome out;
  // Both LAN methods listen at once: the whole takes one timeout, not two.
  io::discovery::MdnsBrowseOptions mdns;
  mdns.timeout = timeout;
  io::discovery::Vxi11BroadcastOptions vxi11;
  vxi11.timeout = timeout;
  // Named awaitables: GCC 12 destroys awaitable temporaries made inside a co_await expression
  // twice (a ?: choosing between two crashed here).
  auto mdns_op = by_mdns_if(wants(o, "mdns"), mdns);
  auto vxi11_op = by_vxi11_if(wants(o, "vxi11"), vxi11);
  auto both = co_await (std::move(mdns_op) && std::move(vxi11_op));
  auto& by_mdns = std::get<0>(both);
  auto& by_vxi11 = std::get<1>(both);
  const auto take = [&](std::string_view method, Result<std::vector<Found>>& found) {
    if (!wants(o, method)) return;
    ++out.methods;
    if (!found) out.failures.push_back(fmt::format("{}: {}", method, found.error().describe()));
    else for (auto& f : *found) io::discovery::add_found(out.found, std::move(f));
  };
  take("mdns", by_mdns);
  take("vxi11", by_vxi11);
  if (wants(o, "usb")) {
    auto found = io::discovery::find_usb();
    take("usb", found);
  }
  if (!o.no_idn) co_await io::discovery::identify_all(out.found, timeout);
  co_return out;
}

void print_text(const std::vector<Found>& found, bool idn) {
  if (found.empty()) {
    std::cout << "no instruments found\n";
    return;
  }
  for (const auto& f : found) {
    std::string line = fmt::format("{:<44} {}", f.resource, f.via);
    if (!f.name.empty()) line += fmt::format(" \"{}\"", f.name);
    if (idn) line += f.error.empty() ? "  " + f.idn : "  error: " + f.error;
    std::cout << line << "\n";
  }
}

void print_json(const std::vector<Found>& found) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : found) {
    nlohmann::json details = nlohmann::json::object();
    for (const auto& [k, v] : f.details) details[k] = v;
    list.push_back({{"resource", f.resource}, {"via", f.via}, {"host", f.host}, {"port", f.port}, {"name", f.name},
                    {"details", details}, {"idn", f.idn}, {"error", f.error}});
  }
  std::cout << list.dump(2) << "\n";
}

}  // namespace

void register_discover_command(CLI::App& app) {
  auto o = std::make_shared<DiscoverOptions>();
  auto* cmd = app.add_subcommand("discover", "Find instruments on the LAN (mDNS/DNS-SD, VXI-11 broadcast) and on USB, with their *IDN? replies");
  cmd->add_option("--timeout", o->timeout_s, "seconds to collect answers, and again for each *IDN? reply")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 60.0));
  cmd->add_flag("--no-idn", o->no_idn, "list what answers without asking each instrument for *IDN?");
  cmd->add_flag("--json", o->json, "print the list as JSON");
  cmd->add_option("--method", o->methods, "only these methods (repeatable)")->check(CLI::IsMember({"mdns", "vxi11", "usb"}));
  cmd->callback([o] {
    asio::io_context io;
    auto result = asio::co_spawn(io, discover(*o), asio::use_future);
    io.run();
    auto outcome = result.get();
    for (const auto& failure : outcome.failures) std::cerr << "ledlab discover: " << failure << "\n";
    if (o->json) print_json(outcome.found);
    else print_text(outcome.found, !o->no_idn);
    // Nothing found is an answer; every method failing is not.
    if (outcome.methods > 0 && static_cast<int>(outcome.failures.size()) == outcome.methods) throw Exit{1};
  });
}

}  // namespace ledlab::cli
