#pragma once
// A sequence script: its text and the name errors are reported under. Loading only reads
// the file; compiling happens in the sandbox of whoever runs it (SequenceRunner).
#include "core/error.hpp"
#include "engine/lua/params.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ledlab::lua {

// What a script's Lua state may hold unless told otherwise (RunOptions::memory_limit_bytes).
inline constexpr std::size_t kDefaultMemoryLimit = std::size_t{512} << 20;

// A declaration table as the script wrote it (JSON), and "name:line: " of the call.
struct Declared {
  nlohmann::json table;
  std::string at;
};

class SequenceScript {
 public:
  // `name` is what errors show before ":line:" (normally the file name, "sweep.lua").
  SequenceScript(std::string text, std::string name) : text_(std::move(text)), name_(std::move(name)) {}
  // The largest script load_file reads.
  static constexpr std::size_t kMaxScriptBytes = 4u << 20;
  // Errc::not_found for a missing or unopenable file; Errc::invalid_argument for a directory,
  // a file that is not a regular file, or one larger than kMaxScriptBytes; Errc::io if a read fails.
  static Result<SequenceScript> load_file(const std::filesystem::path& path);

  const std::string& text() const { return text_; }
  const std::string& name() const { return name_; }

  // The parameters the script declares, without running the sequence: the chunk is run in
  // the sandbox only until its params{} call, or its first engine call (sleep, parallel, an
  // instrument) if it declares none; log/progress/record/result/checkpoint do nothing here.
  // Syntax errors and errors before params{} (the runaway guard, the memory limit) come back as
  // Errc::config.
  Result<std::vector<ParamDecl>> parameters(std::uint64_t instruction_budget = 10'000'000,
                                            std::size_t memory_limit_bytes = kDefaultMemoryLimit) const;

  // The table the script gives needs{} (engine/needs.hpp), without running the sequence: the
  // chunk runs in the sandbox as for parameters(), with params{} returning the values the run
  // will get (`overrides` applied), until its needs{} call. Empty when the script reaches an
  // engine call or its end first. Errors before needs{} come back as Errc::config.
  Result<std::optional<Declared>> needs(const Overrides& overrides, std::uint64_t instruction_budget = 10'000'000,
                                        std::size_t memory_limit_bytes = kDefaultMemoryLimit) const;

 private:
  std::string text_;
  std::string name_;
};

}  // namespace ledlab::lua
