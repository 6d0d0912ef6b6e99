#pragma once
// Runs one sequence script as a coroutine on the Asio loop.
//
// The script runs in a Lua thread (lua_newthread). Host functions that do I/O are "async":
// the C function stores a pending operation and yields (lua_yieldk); the driver coroutine
// (run()) co_awaits the operation, pushes its result and resumes the thread. So the loop never
// blocks, and pause/abort act at the next engine call. An error Result becomes a Lua error
// (catchable with pcall); abort and the runaway guard raise the sandbox's fatal error, which
// pcall/xpcall rethrow, so a script cannot swallow them.
//
// Built-in script API:
//   params{...}              declared parameters (see params.hpp) -> table of values
//   needs{...}               what the sequence needs of the station (engine/needs.hpp); the
//                            engine checks it before the run, in the run it does nothing
//   sleep(seconds)           simulated seconds on the runner's Clock (async); a finite number
//                            from 0 to kMaxSleepS, else an error
//   log(text)  progress(fraction, text)  record(value...)  result(value...)
//   checkpoint(name, table)  -> the embedder's sinks, synchronous
//   parallel{f1, f2, ...}    runs the functions as concurrent Lua threads, returns when all
//                            have finished; the first error is raised in the caller and the
//                            other branches are stopped at their next engine call
#include "core/clock.hpp"
#include "core/error.hpp"
#include "engine/lua/params.hpp"
#include "engine/lua/sequence_script.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::lua {

enum class RunStatus { finished, failed, aborted };
std::string_view to_string(RunStatus status);

struct RunOutcome {
  RunStatus status = RunStatus::finished;
  std::string message;    // "sweep.lua:12: attempt to index a nil value (global 'bert')"
  std::string traceback;  // luaL_traceback of the failing thread, for failed runs
};

// The longest sleep() a script may ask for: about three years of simulated time. Longer is a
// script bug (math.huge, a unit slip), not a burn-in.
inline constexpr double kMaxSleepS = 1e8;

struct RunOptions {
  std::shared_ptr<Clock> clock = std::make_shared<Clock>(1.0);
  // Lua VM instructions a thread may execute between two engine calls before it is stopped
  // as a runaway loop. Checked every 1000 instructions.
  std::uint64_t instruction_budget = 10'000'000;
  // Bytes the script's Lua state may hold; an allocation over it ends the run as failed with
  // "file:line: script memory limit of N MiB exceeded" (pcall cannot catch it).
  std::size_t memory_limit_bytes = kDefaultMemoryLimit;
  Overrides overrides;  // -p name=value from the command line
};

// Where the script's synchronous calls go. Unset sinks drop what they get.
struct Sinks {
  std::function<void(std::string_view text)> log;
  std::function<void(double fraction, std::string_view text)> progress;
  std::function<void(const nlohmann::json& value)> record;
  std::function<void(const nlohmann::json& value)> result;
  std::function<void(std::string_view name, const nlohmann::json& state)> checkpoint;
};

// Arguments arrive as JSON (Arguments::one_or_list: one argument as itself, several as an
// array; Arguments::list: always an array, one entry per argument); a null result returns nil
// to the script. An error Result is raised as a Lua error with its description.
enum class Arguments { one_or_list, list };
using AsyncFunction = std::function<boost::asio::awaitable<Result<nlohmann::json>>(nlohmann::json args)>;
using SyncFunction = std::function<Result<nlohmann::json>(nlohmann::json args)>;

// An object a host function hands to the script, for state that lives across calls (a burn-in
// accumulator, a stream of recorded readings): the script calls its methods with a colon,
// `acc:add(t, values)`. Methods are synchronous, JSON in and out like add_function's; their
// arguments after the object always arrive as a list. The object is a Lua full userdata: the
// collector destroys the C++ object once the script no longer holds it, and the runner's end
// destroys the rest. What it holds is C++ memory, outside the script's memory limit, so it
// must stay bounded by its arguments (kMaxLiveObjects bounds how many there are).
class HostObject {
 public:
  virtual ~HostObject() = default;
  virtual Result<nlohmann::json> call(std::string_view method, const nlohmann::json& args) = 0;
};
using ObjectFactory = std::function<Result<std::unique_ptr<HostObject>>(nlohmann::json args)>;

// Objects a script may hold at once, over all kinds; past it a full collection runs first, so
// only objects the script still holds count.
inline constexpr std::size_t kMaxLiveObjects = 256;

class SequenceRunner {
 public:
  SequenceRunner(SequenceScript script, RunOptions options = {}, Sinks sinks = {});
  ~SequenceRunner();
  SequenceRunner(const SequenceRunner&) = delete;
  SequenceRunner& operator=(const SequenceRunner&) = delete;

  // Registers a host function before run(). A dotted name ("bert.gate") puts the function in
  // a table that is created on demand.
  void add_async(std::string name, AsyncFunction fn, Arguments shape = Arguments::one_or_list);
  void add_function(std::string name, SyncFunction fn, Arguments shape = Arguments::one_or_list);
  // Registers `name(...)`, which makes an object of `kind` with the given methods. Errors read
  // "file:line: kind:method: message" (a method) and "file:line: name: message" (making one).
  void add_object(std::string name, std::string kind, std::vector<std::string> methods, ObjectFactory make,
                  Arguments shape = Arguments::one_or_list);
  // Runs Lua source in the script's environment now, before the script: helpers written in Lua
  // on top of what is registered so far (it may capture host functions in locals and remove
  // their global names). Its chunk is named "[ledlab <name>]"; an error of a host function it
  // calls names the script line that called the helper, not the helper's own line. Throws
  // std::logic_error when the source does not load or run.
  void add_prelude(const std::string& name, std::string_view source);

  // Runs the script to its end. Call once, on the executor the runner is used from.
  boost::asio::awaitable<RunOutcome> run();

  // Ends the run as aborted at the script's next engine call (a pending sleep or instrument
  // operation is cancelled at once). Must be called on the run's executor (post to it from
  // other threads).
  void abort(std::string reason = "aborted by operator");
  bool abort_requested() const;

  // Ends the run as failed with "file:line: <reason>" at the next hook point of any of its
  // threads (within 1000 VM instructions of script code). The one call that is safe from any
  // thread: the watchdog's cooperative stop when the engine loop stops answering. It cannot
  // reach a script stuck inside a C function (a pattern match) — hooks run between VM
  // instructions only (Lua 5.4 manual, section 4.7, lua_sethook).
  void interrupt(std::string reason);

  // Holds every thread of the script at its next engine call until resume(); an operation
  // already in progress (a gate, a sleep) completes first. Abort still acts while paused.
  // Both must be called on the run's executor.
  void pause();
  void resume();
  bool paused() const;

  // Holds the script like pause() on behalf of `holder` (an interlock, a lost link) until
  // release(holder); the operator's pause and every holder are independent, so the script
  // goes on only when nobody holds it. Must be called on the run's executor.
  void hold(const std::string& holder);
  void release(const std::string& holder);
  bool held() const;

  // Wraps every async host function registered after the call (instrument calls): the engine
  // uses it to repeat a call that overlapped a suspension and to recover a lost link.
  using CallWrapper = std::function<AsyncFunction(const std::string& name, AsyncFunction fn)>;
  void set_call_wrapper(CallWrapper wrapper);

  struct Impl;  // sequence_runner.cpp; public only so the Lua C functions there can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledlab::lua
