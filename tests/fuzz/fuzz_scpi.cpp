// A mutation fuzzer for the SCPI targets that clang 14's libFuzzer cannot build (our code uses
// <expected>, which needs GCC 12 here). Seeded and bounded: byte flips, inserts of bytes and
// SCPI tokens, erasures, repeats and splices of corpus entries, for at most N iterations and
// S seconds. A violated invariant, a crash or an input that runs too long is written to the
// artifact directory and ends the run with exit 1; add it to the corpus as a regression.
//
// usage: fuzz_scpi TARGET CORPUS_DIR ARTIFACT_DIR [ITERATIONS] [SECONDS] [SEED]
//   TARGET  device | reply (see scpi_targets.hpp)
#include "fuzz/scpi_targets.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Check = std::function<std::optional<std::string>(std::string_view, std::uint64_t)>;

namespace {

constexpr std::size_t kMaxLen = 4096;
constexpr auto kHangAfter = std::chrono::seconds(5);

// What the crash handler writes: the input being checked (async-signal-safe access only).
std::string g_current;
std::atomic<std::size_t> g_current_size{0};
int g_crash_fd = -1;

void on_crash(int sig) {
  if (g_crash_fd >= 0) {
    [[maybe_unused]] auto n = ::write(g_crash_fd, g_current.data(), g_current_size.load());
  }
  const char msg[] = "fuzz_scpi: crashed; the input is in the artifact directory as crash-input\n";
  [[maybe_unused]] auto m = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

const std::array<std::string_view, 28> kTokens = {
    "#", "#1", "#2", "#9", "#0", "#15", "#210", ";", ",", ":", "?", "\"", "'", "\n", "\r\n", " ", "*IDN?", "*ESE ",
    "SYST:ERR?", "MEAS:POW?", "SENS2:CORR:WAV ", "DATA ", "DATA?", "COUN ", "1e300", "MAX", "9.91E37", "*RST"};

std::string mutate(std::string s, const std::vector<std::string>& corpus, std::mt19937_64& rng) {
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
      case 2:  // an SCPI token
        s.insert(at, kTokens[rng() % kTokens.size()]);
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
      default:  // a digit, where lengths are
        s.insert(at, 1, static_cast<char>('0' + rng() % 10));
        break;
    }
  }
  if (s.size() > kMaxLen) s.resize(kMaxLen);
  return s;
}

std::vector<std::string> load(const fs::path& dir) {
  std::vector<std::string> corpus;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    corpus.push_back(s.str());
  }
  if (corpus.empty()) corpus.emplace_back();
  return corpus;
}

void save(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: fuzz_scpi device|reply CORPUS_DIR ARTIFACT_DIR [ITERATIONS] [SECONDS] [SEED]\n";
    return 2;
  }
  const std::string target = argv[1];
  const fs::path corpus_dir = argv[2], artifacts = argv[3];
  const long iterations = argc > 4 ? std::stol(argv[4]) : 200000;
  const auto seconds = std::chrono::seconds(argc > 5 ? std::stol(argv[5]) : 20);
  const std::uint64_t seed = argc > 6 ? std::stoull(argv[6]) : 1;
  Check check;
  if (target == "device") check = ledlab::fuzz::check_device_input;
  else if (target == "reply") check = ledlab::fuzz::check_reply_input;
  else {
    std::cerr << "fuzz_scpi: unknown target '" << target << "'\n";
    return 2;
  }

  fs::create_directories(artifacts);
  g_crash_fd = ::open((artifacts / "crash-input").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_current.reserve(kMaxLen);
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_crash);

  std::vector<std::string> corpus = load(corpus_dir);
  const std::size_t seeds = corpus.size();
  std::mt19937_64 rng(seed);

  // An input that runs past kHangAfter is a hang: the watchdog saves it and ends the run.
  std::atomic<long> running_since_ms{-1};
  std::atomic<bool> done{false};
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
  std::thread watchdog([&] {
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const long since = running_since_ms;
      if (since >= 0 && now_ms() - since > std::chrono::milliseconds(kHangAfter).count()) {
        save(artifacts / "hang-input", std::string_view(g_current.data(), g_current_size));
        std::cerr << "fuzz_scpi: an input ran longer than " << kHangAfter.count() << " s; saved as hang-input\n";
        std::_Exit(1);
      }
    }
  });

  const auto t0 = std::chrono::steady_clock::now();
  long runs = 0;
  int status = 0;
  for (; runs < iterations && std::chrono::steady_clock::now() - t0 < seconds; ++runs) {
    // The seeds first as they are, then mutants.
    std::string input = runs < static_cast<long>(seeds)
                            ? corpus[static_cast<std::size_t>(runs)]
                            : mutate(corpus[rng() % corpus.size()], corpus, rng);
    g_current_size = 0;
    g_current.assign(input);
    g_current_size = g_current.size();
    const std::uint64_t split_seed = rng();
    running_since_ms = now_ms();
    const auto violation = check(input, split_seed);
    running_since_ms = -1;
    if (violation) {
      const auto path = artifacts / ("failure-" + std::to_string(runs));
      save(path, input);
      std::cerr << "fuzz_scpi " << target << ": " << *violation << "\n  input saved as " << path << " (split seed "
                << split_seed << ")\n";
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
  std::cout << "fuzz_scpi " << target << ": " << runs << " inputs in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
            << " ms, seed " << seed << (status ? ", FAILED\n" : ", no finding\n");
  return status;
}
