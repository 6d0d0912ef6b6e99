#pragma once
// Invariants the SCPI code must keep on any input, checked by the mutation fuzzer
// (fuzz_scpi.cpp) and, for the inputs it once failed on, by the unit tests (corpus replay).
// Each check returns what was violated, or nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::fuzz {

// The twin's side: `input` arrives on a connection in pieces cut by `split_seed`; every
// message it holds runs on a Device with a few handlers and small buffers. The pieces must not
// change the messages, replies stay within the output queue, the error queue within its
// capacity, and the device answers *IDN? afterwards. The whole input also runs as one line.
std::optional<std::string> check_device_input(std::string_view input, std::uint64_t split_seed);

// The client's side: `input` is what an instrument sent, arriving in pieces. The replies a
// Session reads over a link must be those the one-shot framing finds, whatever the pieces; the
// reply parsers (blocks, numbers, *IDN?, SYST:ERR?) take each reply without harm.
std::optional<std::string> check_reply_input(std::string_view input, std::uint64_t split_seed);

}  // namespace ledlab::fuzz
