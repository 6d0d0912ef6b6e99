#include "engine/run/batch_bindings.hpp"

#include <fmt/format.h>

namespace ledlab::engine {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// fn runs in the script's own Lua thread (it may call instruments, which yield), so the
// primitives are Lua around engine calls: a turn at a step, a lock taken and given back. A
// fatal error (abort, the runaway guard) passes through pcall (sandbox.cpp): the engine then
// ends the turn (BatchCoordinator::ended) and drops the locks (BatchBindings::sections).
constexpr const char* kPrelude = R"lua(
local arrive, finish, acquire, release = __batch_arrive, __batch_finish, __serial_acquire, __serial_release
__batch_arrive, __batch_finish, __serial_acquire, __serial_release = nil, nil, nil, nil
local pcall, error, type, tostring = pcall, error, type, tostring
batch = { socket = SOCKET }
function batch.once(key, fn)
  if type(key) ~= "string" or type(fn) ~= "function" then
    error("batch.once(key, fn): key must be a string and fn a function", 2)
  end
  local turn = arrive(key)
  if not turn.leader then return turn.value end
  local ok, value = pcall(fn)
  if ok then finish(key, true, value) else finish(key, false, tostring(value)) end
  if not ok then error(value, 0) end
  return value
end
function serial(names, fn)
  if type(names) == "string" then names = { names } end
  if type(names) ~= "table" or type(fn) ~= "function" then
    error("serial(names, fn): names must be an instrument name or a list of them and fn a function", 2)
  end
  local token = acquire(names)
  local ok, value = pcall(fn)
  release(token)
  if not ok then error(value, 0) end
  return value
end
)lua";

// A Lua string literal of any bytes: every byte as a decimal escape (Lua 5.4 manual, 3.1).
std::string lua_literal(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) out += fmt::format("\\{:03d}", c);
  return out + "\"";
}

asio::awaitable<Result<json>> arrive_at(BatchBindings batch, json args) {
  if (!args.is_array() || args.size() != 1 || !args[0].is_string())
    co_return fail(Errc::invalid_argument, "batch.once: the key must be a string");
  auto turn = co_await batch.coordinator->arrive(batch.socket, args[0].get<std::string>(), json());
  if (!turn) co_return fail(turn.error());
  json out = json::object();
  out["leader"] = turn->leader;
  if (!turn->value.is_null()) out["value"] = turn->value;
  co_return out;
}

asio::awaitable<Result<json>> acquire_section(BatchBindings batch, json args) {
  std::vector<std::string> names;
  const json& list = args.size() == 1 ? args[0] : json();
  if (!list.is_array() || list.empty())
    co_return fail(Errc::invalid_argument, "serial: names must be an instrument name or a list of them");
  for (const auto& n : list) {
    if (!n.is_string()) co_return fail(Errc::invalid_argument, fmt::format("serial: {} is not an instrument name", n.dump()));
    const auto name = n.get<std::string>();
    if (!batch.station->find(name))
      co_return fail(Errc::not_found, fmt::format("serial: the station has no instrument '{}'", name));
    names.push_back(name);
  }
  auto guard = co_await batch.locks->acquire(std::move(names), batch.socket);
  const std::int64_t token = batch.sections->empty() ? 1 : batch.sections->rbegin()->first + 1;
  batch.sections->emplace(token, std::move(guard));
  co_return json(token);
}

}  // namespace

void bind_batch(lua::SequenceRunner& runner, BatchBindings batch) {
  runner.add_async("__batch_arrive", [batch](json args) { return arrive_at(batch, std::move(args)); }, lua::Arguments::list);
  runner.add_function(
      "__batch_finish",
      [batch](json args) -> Result<json> {
        if (!args.is_array() || args.size() < 2 || !args[0].is_string() || !args[1].is_boolean())
          return fail(Errc::invalid_argument, "batch.once: bad turn");
        const auto key = args[0].get<std::string>();
        const json value = args.size() > 2 ? args[2] : json();
        if (args[1].get<bool>()) batch.coordinator->finish(batch.socket, key, value);
        else
          batch.coordinator->finish(batch.socket, key,
                                    fail(Errc::invalid_argument, fmt::format("batch.once('{}') failed in socket {}: {}", key,
                                                                             batch.socket, value.is_string() ? value.get<std::string>() : value.dump())));
        return json();
      },
      lua::Arguments::list);
  runner.add_async("__serial_acquire", [batch](json args) { return acquire_section(batch, std::move(args)); },
                   lua::Arguments::list);
  runner.add_function(
      "__serial_release",
      [batch](json args) -> Result<json> {
        if (args.size() == 1 && args[0].is_number_integer()) batch.sections->erase(args[0].get<std::int64_t>());
        return json();
      },
      lua::Arguments::list);
  // The prelude runs before the script, where no host function may be called yet: the socket's
  // name goes into its text.
  std::string prelude = kPrelude;
  prelude.replace(prelude.find("SOCKET"), 6, lua_literal(batch.socket));
  runner.add_prelude("batch", prelude);
}

}  // namespace ledlab::engine
