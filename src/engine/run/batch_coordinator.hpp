#pragma once
// Steps a batch takes once for all its sockets (TestStand's batch model: "one thread only" with
// the batch synchronized on entry). Every live socket of the batch reaches the step; the one
// that got there first carries it out; every socket gets its result. A socket whose run ends
// no longer counts, so a failed DUT never holds the others at a barrier.
//
// A step is named by a key; the n-th time a socket reaches a key meets the n-th time every
// other socket reaches it (a setpoint per loop iteration). What the sockets ask for must be the
// same: two sockets asking a shared chamber for different setpoints is an error naming both.
// Everything runs on the engine's one executor.
#include "core/error.hpp"
#include "engine/lua/sequence_runner.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::engine {

class BatchCoordinator {
 public:
  BatchCoordinator(boost::asio::any_io_executor executor, std::vector<std::string> sockets);

  // What a socket gets at a step: to carry it out (leader), or the leader's result.
  struct Turn {
    bool leader = false;
    nlohmann::json value;
  };
  // Waits until every live socket has reached `key` (this time), then names the leader. `what`
  // is what the socket asks for; the sockets' must be equal. Errors: the sockets asked for
  // different things; the leader failed or ended before finishing (its reason).
  boost::asio::awaitable<Result<Turn>> arrive(std::string socket, std::string key, nlohmann::json what);
  // The leader's result of its current turn at `key`, handed to the others.
  void finish(const std::string& socket, const std::string& key, Result<nlohmann::json> result);

  // arrive(), then `step(what)` by the leader; every socket returns its result.
  boost::asio::awaitable<Result<nlohmann::json>> once(std::string socket, std::string key,
                                                      nlohmann::json what, lua::AsyncFunction step);

  // `socket`'s run has ended (`why`): it no longer holds anybody at a step; a step it was
  // carrying out fails for the others with the reason.
  void ended(const std::string& socket, const std::string& why);

  std::size_t live() const { return live_.size(); }

 private:
  struct Step {
    explicit Step(const boost::asio::any_io_executor& ex);
    std::vector<std::pair<std::string, nlohmann::json>> arrived;  // in order of arrival
    bool released = false;  // every live socket arrived: the leader is named
    std::string leader;
    std::string mismatch;  // the sockets asked for different things
    bool done = false;
    Result<nlohmann::json> result;
    std::size_t waiting = 0;  // sockets still to read the outcome
    boost::asio::steady_timer wake;
  };
  std::shared_ptr<Step> step_of(const std::string& key, int turn);
  void try_release(const std::string& key, Step& step);
  void forget_if_read(const std::string& key, int turn);

  boost::asio::any_io_executor executor_;
  std::set<std::string> live_;
  std::map<std::pair<std::string, std::string>, int> turns_;  // (key, socket) -> turns taken
  std::map<std::pair<std::string, int>, std::shared_ptr<Step>> steps_;
};

}  // namespace ledlab::engine
