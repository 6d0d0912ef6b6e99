#include "engine/run/operator_prompt.hpp"

#include "core/activity.hpp"
#include "engine/lua/sequence_runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace ledlab::engine {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string joined(const std::vector<std::string>& choices) {
  std::string out;
  for (const auto& c : choices) out += (out.empty() ? "" : ", ") + c;
  return out;
}

// The choice `answer` selects among `choices`: as written, else the one equal ignoring case.
Result<std::string> pick(const std::vector<std::string>& choices, std::string_view answer) {
  if (std::find(choices.begin(), choices.end(), answer) != choices.end()) return std::string(answer);
  const std::string wanted = lower(answer);
  std::vector<std::string> alike;
  for (const auto& c : choices)
    if (lower(c) == wanted) alike.push_back(c);
  if (alike.size() == 1) return alike.front();
  return fail(Errc::invalid_argument, fmt::format("'{}' is not one of the choices: {}", answer, joined(choices)));
}

}  // namespace

Result<PromptSpec> prompt_from_json(const json& args) {
  if (!args.is_object())
    return fail(Errc::invalid_argument, "prompt: expected a table, prompt{text = '...', choices = {'OK', 'Skip'}}");
  PromptSpec spec;
  for (const auto& [key, value] : args.items()) {
    if (key == "text") {
      if (!value.is_string() || value.get<std::string>().empty())
        return fail(Errc::invalid_argument, "prompt: text: expected a non-empty string (what the operator is asked)");
      spec.text = value.get<std::string>();
      if (spec.text.size() > kMaxPromptTextBytes)
        return fail(Errc::invalid_argument, fmt::format("prompt: text: {} bytes, at most {}", spec.text.size(), kMaxPromptTextBytes));
    } else if (key == "choices") {
      // A Lua table of strings arrives as an array; an empty table as an empty object.
      if (!value.is_array() && !(value.is_object() && value.empty()))
        return fail(Errc::invalid_argument, "prompt: choices: expected a list of strings, e.g. {'OK', 'Skip'}");
      if (value.size() > kMaxPromptChoices)
        return fail(Errc::invalid_argument, fmt::format("prompt: choices: {} of them, at most {}", value.size(), kMaxPromptChoices));
      for (const auto& c : value) {
        if (!c.is_string() || c.get<std::string>().empty())
          return fail(Errc::invalid_argument, fmt::format("prompt: choices: {} is not a non-empty string", c.dump()));
        const std::string choice = c.get<std::string>();
        if (choice.size() > kMaxPromptChoiceBytes)
          return fail(Errc::invalid_argument,
                      fmt::format("prompt: choices: a choice of {} bytes, at most {}", choice.size(), kMaxPromptChoiceBytes));
        for (const auto& seen : spec.choices)
          if (lower(seen) == lower(choice))
            return fail(Errc::invalid_argument,
                        fmt::format("prompt: choices: '{}' and '{}' cannot be told apart (answers ignore case)", seen, choice));
        spec.choices.push_back(choice);
      }
      if (spec.choices.empty()) return fail(Errc::invalid_argument, "prompt: choices: the list is empty");
    } else if (key == "timeout") {
      // Bounded like sleep(): a timeout past it is a unit slip, not a long wait.
      if (!value.is_number() || !std::isfinite(value.get<double>()) || !(value.get<double>() > 0) ||
          !(value.get<double>() <= lua::kMaxSleepS))
        return fail(Errc::invalid_argument,
                    fmt::format("prompt: timeout: {} is not a number of seconds in (0, {:g}]", value.dump(), lua::kMaxSleepS));
      spec.timeout_s = value.get<double>();
    } else if (key == "default") {
      if (!value.is_string()) return fail(Errc::invalid_argument, fmt::format("prompt: default: {} is not a string", value.dump()));
      spec.default_choice = value.get<std::string>();
    } else {
      return fail(Errc::invalid_argument,
                  fmt::format("prompt: unknown field '{}' (text, choices, timeout, default)", key));
    }
  }
  if (spec.text.empty()) return fail(Errc::invalid_argument, "prompt: text: missing (what the operator is asked)");
  if (spec.choices.empty()) spec.choices.push_back("OK");
  if (spec.default_choice) {
    auto d = pick(spec.choices, *spec.default_choice);
    if (!d) return fail(Errc::invalid_argument, "prompt: default: " + d.error().message);
    spec.default_choice = *d;
  }
  return spec;
}

std::string describe(const PromptSpec& spec) {
  std::string tail = "choices: " + joined(spec.choices);
  if (spec.timeout_s) tail += fmt::format("; timeout {:g} s", *spec.timeout_s);
  if (spec.default_choice) tail += fmt::format(", default {}", *spec.default_choice);
  return fmt::format("waiting for operator: {} ({})", spec.text, tail);
}

struct OperatorPrompts::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : answered(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer answered;  // cancelled by answer()
  std::optional<std::string> choice;
};

OperatorPrompts::OperatorPrompts(std::shared_ptr<Clock> clock, Hooks hooks)
    : clock_(std::move(clock)), hooks_(std::move(hooks)) {}

OperatorPrompts::~OperatorPrompts() = default;

asio::awaitable<Result<std::string>> OperatorPrompts::ask(PromptSpec spec) {
  using namespace asio::experimental::awaitable_operators;
  const auto ex = co_await asio::this_coro::executor;
  while (pending_) {  // another branch's prompt waits: this one comes after it
    auto turn = turn_;
    co_await turn->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  auto waiter = std::make_shared<Waiter>(ex);
  pending_ = PendingPrompt{next_id_++, std::move(spec), clock_->now_s()};
  waiter_ = waiter;
  turn_ = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
  // However the wait ends (an answer, the timeout, the script aborted), the prompt goes.
  struct Withdraw {
    OperatorPrompts* self;
    std::shared_ptr<Waiter> waiter;
    ~Withdraw() {
      if (self->waiter_ != waiter) return;
      self->pending_.reset();
      self->waiter_.reset();
      if (auto turn = std::move(self->turn_)) turn->cancel();
    }
  } withdraw{this, waiter};
  if (hooks_.asked) hooks_.asked(*pending_);
  const double since_s = clock_->elapsed_s();
  if (const auto timeout = pending_->spec.timeout_s) {
    (void)co_await (waiter->answered.async_wait(asio::as_tuple(asio::use_awaitable)) || clock_->sleep(*timeout));
  } else {
    Activity::Scope person(ex);  // a virtual clock does not jump while a person is asked
    (void)co_await waiter->answered.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (waiter->choice) co_return *waiter->choice;
  const PendingPrompt asked = *pending_;
  // Neither answered nor timed out: the wait was cancelled (the run is aborting). No default
  // is taken and no timeout logged for a prompt whose time had not run out.
  // (A microsecond's slack: the clock's seconds since the epoch round the difference.)
  if (!asked.spec.timeout_s || clock_->elapsed_s() - since_s < *asked.spec.timeout_s - 1e-6)
    co_return fail(Errc::cancelled, fmt::format("prompt '{}' withdrawn unanswered: the run is ending", asked.spec.text));
  if (hooks_.timed_out) hooks_.timed_out(asked, asked.spec.default_choice);
  if (asked.spec.default_choice) co_return *asked.spec.default_choice;
  co_return fail(Errc::timeout, fmt::format("prompt '{}': no answer within {:g} s and no default", asked.spec.text,
                                            *asked.spec.timeout_s));
}

Result<std::string> OperatorPrompts::match(std::string_view choice) const {
  if (!pending_) return fail(Errc::not_found, "no prompt is waiting for an answer");
  auto picked = pick(pending_->spec.choices, choice);
  if (!picked) return fail(Errc::invalid_argument, fmt::format("answer to '{}': {}", pending_->spec.text, picked.error().message));
  return picked;
}

Result<std::string> OperatorPrompts::answer(std::string_view choice) {
  auto picked = match(choice);
  if (!picked) return picked;
  if (waiter_->choice) return fail(Errc::not_found, fmt::format("'{}' has been answered already", pending_->spec.text));
  waiter_->choice = *picked;
  waiter_->answered.cancel();
  return picked;
}

}  // namespace ledlab::engine
