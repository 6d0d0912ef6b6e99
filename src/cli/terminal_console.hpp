#pragma once
// `ledlab run` at a terminal: the operator's lines from standard input (Enter resumes a paused
// run; a choice answers a prompt) and a prompt rung in so that it cannot be missed.
#include "engine/run/operator_console.hpp"

#include <memory>
#include <ostream>

namespace ledlab::cli {

// Standard input when it is a terminal, else none (a pipe or /dev/null is not an operator).
std::shared_ptr<engine::OperatorConsole> terminal_console(std::ostream& out);

}  // namespace ledlab::cli
