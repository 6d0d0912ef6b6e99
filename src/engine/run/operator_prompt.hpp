#pragma once
// Operator prompts: `prompt{text=, choices=, timeout=, default=}` in a sequence asks the
// person at the station and waits for an answer ("move the fibre bundle to block B, then OK").
// One prompt waits at a time (a second one, from a parallel{} branch, waits its turn); the
// answer comes from the run's terminal, `ledlab ctl answer RUN CHOICE` or the dashboard, all
// through OperatorCommands. A timeout counts on the run's clock; without one the prompt waits
// as long as it takes, and on a virtual clock simulated time stands still meanwhile (a
// person's wall time is not the simulation's, as for a pause).
#include "core/clock.hpp"
#include "core/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::engine {

struct PromptSpec {
  std::string text;
  std::vector<std::string> choices;             // at least one, each unique and non-empty
  std::optional<double> timeout_s;              // simulated seconds on the run's clock
  std::optional<std::string> default_choice;    // taken on timeout; one of `choices`
};

// prompt{}'s table. Errors name the field and what is wrong with it ("prompt: timeout: ...").
// A person reads the question and picks a button: beyond these it is a script bug (and a list
// of 200,000 choices once held the engine loop until the watchdog ended the run).
inline constexpr std::size_t kMaxPromptChoices = 32;
inline constexpr std::size_t kMaxPromptTextBytes = 4096;   // the question
inline constexpr std::size_t kMaxPromptChoiceBytes = 200;  // one choice

Result<PromptSpec> prompt_from_json(const nlohmann::json& args);

// "waiting for operator: Move the bundle (choices: OK, Skip; timeout 600 s, default Skip)"
std::string describe(const PromptSpec& spec);

// The prompt a run waits on, as its snapshot shows it.
struct PendingPrompt {
  std::uint64_t id = 0;  // counts the run's prompts from 1
  PromptSpec spec;
  double asked_s = 0;    // the run's clock when it was asked
};

class OperatorPrompts {
 public:
  struct Hooks {
    std::function<void(const PendingPrompt&)> asked;
    // The prompt timed out; `taken` is its default, or none (the script gets an error).
    std::function<void(const PendingPrompt&, const std::optional<std::string>& taken)> timed_out;
  };

  OperatorPrompts(std::shared_ptr<Clock> clock, Hooks hooks);
  ~OperatorPrompts();
  OperatorPrompts(const OperatorPrompts&) = delete;
  OperatorPrompts& operator=(const OperatorPrompts&) = delete;

  // Waits its turn, asks, and returns the chosen string (an answer's, or the default on a
  // timeout). Errors: Errc::timeout when the timeout passes with no default. Cancelled with
  // the script (abort): the prompt is withdrawn.
  boost::asio::awaitable<Result<std::string>> ask(PromptSpec spec);

  // An answer to the waiting prompt: a choice as written, or one that matches a single choice
  // ignoring case. Returns the choice as the prompt wrote it. Errors: Errc::not_found when no
  // prompt waits; Errc::invalid_argument naming the valid choices when it is not one of them.
  // The caller logs who answered (OperatorCommands).
  Result<std::string> answer(std::string_view choice);
  // The choice an answer would select, without answering (same errors).
  Result<std::string> match(std::string_view choice) const;

  const std::optional<PendingPrompt>& pending() const { return pending_; }

 private:
  struct Waiter;
  std::shared_ptr<Clock> clock_;
  Hooks hooks_;
  std::optional<PendingPrompt> pending_;
  std::shared_ptr<Waiter> waiter_;  // of the pending prompt
  std::shared_ptr<boost::asio::steady_timer> turn_;  // cancelled when the pending prompt ends
  std::uint64_t next_id_ = 1;
};

}  // namespace ledlab::engine
