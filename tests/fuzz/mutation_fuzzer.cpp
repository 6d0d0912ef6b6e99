#include "fuzz/mutation_fuzzer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace ledlab::fuzz {
namespace {

constexpr auto kHangAfter = std::chrono::seconds(5);

// What the crash handler writes: the input being checked (async-signal-safe access only).
std::string g_current;
std::atomic<std::size_t> g_current_size{0};
int g_crash_fd = -1;

void on_crash(int sig) {
  if (g_crash_fd >= 0) {
    [[maybe_unused]] auto n = ::write(g_crash_fd, g_current.data(), g_current_size.load());
  }
  const char msg[] = "fuzzer: crashed; the input is in the artifact directory as crash-input\n";
  [[maybe_unused]] auto m = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void save(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::string> split_dirs(std::string_view list) {
  std::vector<std::string> dirs;
  for (std::size_t colon; (colon = list.find(':')) != std::string_view::npos; list.remove_prefix(colon + 1))
    dirs.emplace_back(list.substr(0, colon));
  dirs.emplace_back(list);
  return dirs;
}

long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The check, with an exception that escapes it reported as a violation of its own.
std::optional<std::string> checked(const Target& target, std::string_view input, std::uint64_t seed) {
  try {
    return target.check(input, seed);
  } catch (const std::exception& e) {
    return "an exception escaped the target: " + std::string(e.what());
  }
}

}  // namespace

std::string mutate(std::string s, const std::vector<std::string>& corpus, std::span<const std::string_view> tokens,
                   std::size_t max_len, std::mt19937_64& rng) {
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < steps; ++k) {
    const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 7) {
      case 0:  // flip a bit
        if (!s.empty()) s[at % s.size()] = static_cast<char>(s[at % s.size()] ^ (1 << (rng() % 8)));
        break;
      case 1:  // a random byte
        s.insert(at, 1, static_cast<char>(rng() % 256));
        break;
      case 2:  // a token of the target's language
        if (!tokens.empty()) s.insert(at, tokens[rng() % tokens.size()]);
        break;
      case 3:  // erase a range
        if (!s.empty()) s.erase(at % s.size(), 1 + rng() % 8);
        break;
      case 4: {  // repeat a range
        if (s.empty()) break;
        const std::size_t from = rng() % s.size();
        const std::string piece = s.substr(from, 1 + rng() % 16);
        for (int r = static_cast<int>(rng() % 8); r >= 0; --r) s.insert(at, piece);
        break;
      }
      case 5: {  // splice in part of another corpus entry
        const std::string& other = corpus[rng() % corpus.size()];
        if (other.empty()) break;
        const std::size_t from = rng() % other.size();
        s.insert(at, other.substr(from, 1 + rng() % 64));
        break;
      }
      default:  // a digit, where lengths and numbers are
        s.insert(at, 1, static_cast<char>('0' + rng() % 10));
        break;
    }
  }
  if (s.size() > max_len) s.resize(max_len);
  return s;
}

std::vector<std::string> load_corpus(const std::vector<std::string>& dirs) {
  std::vector<fs::path> files;
  for (const auto& dir : dirs)
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> corpus;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    corpus.push_back(s.str());
  }
  if (corpus.empty()) corpus.emplace_back();
  return corpus;
}

int run_fuzzer(std::string_view program, std::span<const Target> targets, int argc, char** argv) {
  std::string names;
  for (const auto& t : targets) names += (names.empty() ? "" : "|") + std::string(t.name);
  if (argc < 4) {
    std::cerr << "usage: " << program << " " << names << " CORPUS_DIR[:MORE_DIRS] ARTIFACT_DIR [ITERATIONS] [SECONDS] [SEED]\n";
    return 2;
  }
  const auto target = std::find_if(targets.begin(), targets.end(), [&](const Target& t) { return t.name == argv[1]; });
  if (target == targets.end()) {
    std::cerr << program << ": unknown target '" << argv[1] << "' (" << names << ")\n";
    return 2;
  }
  const fs::path artifacts = argv[3];
  const long iterations = argc > 4 ? std::stol(argv[4]) : 200000;
  const auto seconds = std::chrono::seconds(argc > 5 ? std::stol(argv[5]) : 20);
  const std::uint64_t seed = argc > 6 ? std::stoull(argv[6]) : 1;

  fs::create_directories(artifacts);
  g_crash_fd = ::open((artifacts / "crash-input").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_current.reserve(target->max_len);
  // The handler runs on a stack of its own, so that a stack overflow is saved too.
  static std::array<char, 1 << 16> alternate_stack;
  stack_t stack{};
  stack.ss_sp = alternate_stack.data();
  stack.ss_size = alternate_stack.size();
  ::sigaltstack(&stack, nullptr);
  struct sigaction action{};
  action.sa_handler = on_crash;
  action.sa_flags = SA_ONSTACK;
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::sigaction(sig, &action, nullptr);

  std::vector<std::string> corpus = load_corpus(split_dirs(argv[2]));
  const std::size_t seeds = corpus.size();
  for (const auto& entry : corpus) g_current.reserve(entry.size());  // seeds may be longer than mutants
  std::mt19937_64 rng(seed);

  // An input that runs past kHangAfter is a hang: the watchdog saves it and ends the run.
  std::atomic<long> running_since_ms{-1};
  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const long since = running_since_ms;
      if (since >= 0 && now_ms() - since > std::chrono::milliseconds(kHangAfter).count()) {
        save(artifacts / "hang-input", std::string_view(g_current.data(), g_current_size));
        std::cerr << program << " " << target->name << ": an input ran longer than " << kHangAfter.count()
                  << " s; saved as hang-input\n";
        std::_Exit(1);
      }
    }
  });

  const auto t0 = std::chrono::steady_clock::now();
  long runs = 0;
  long slowest_ms = 0;
  int status = 0;
  for (; runs < iterations && std::chrono::steady_clock::now() - t0 < seconds; ++runs) {
    // The seeds first as they are, then mutants.
    std::string input = runs < static_cast<long>(seeds)
                            ? corpus[static_cast<std::size_t>(runs)]
                            : mutate(corpus[rng() % corpus.size()], corpus, target->tokens, target->max_len, rng);
    g_current_size = 0;
    g_current.assign(input);
    g_current_size = g_current.size();
    const std::uint64_t input_seed = rng();
    const long started_ms = now_ms();
    running_since_ms = started_ms;
    const auto violation = checked(*target, input, input_seed);
    running_since_ms = -1;
    slowest_ms = std::max(slowest_ms, now_ms() - started_ms);
    if (violation) {
      const auto path = artifacts / ("failure-" + std::to_string(runs));
      save(path, input);
      std::cerr << program << " " << target->name << ": " << *violation << "\n  input saved as " << path
                << " (input seed " << input_seed << ")\n";
      status = 1;
      break;
    }
    // Keep some mutants, so mutations build on each other.
    if (runs >= static_cast<long>(seeds) && corpus.size() < 2048 && rng() % 16 == 0) corpus.push_back(std::move(input));
  }
  done = true;
  watchdog.join();
  if (g_crash_fd >= 0) {
    ::close(g_crash_fd);
    fs::remove(artifacts / "crash-input");  // no crash: nothing to keep
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::cout << program << " " << target->name << ": " << runs << " inputs in " << ms << " ms ("
            << (ms > 0 ? runs * 1000 / ms : runs) << "/s, slowest " << slowest_ms << " ms), seed " << seed << (status ? ", FAILED\n" : ", no finding\n");
  return status;
}

}  // namespace ledlab::fuzz
