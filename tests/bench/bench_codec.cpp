// Chunk codec rates and sizes on synthetic series.
//   bench_codec [samples=3628800] [chunk=65536] [rounds=5]
// The default is six weeks of one lane at 1 s. Each series is cut into chunks of `chunk`
// samples, encoded and decoded `rounds` times; the best round is printed (the machine is
// shared, the best round is the one least disturbed), by the wall clock and by the thread's
// CPU time (POSIX CLOCK_THREAD_CPUTIME_ID), which other processes disturb less.
#include "db/chunk_codec.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <ctime>
#include <vector>

namespace {

using namespace ledlab;
using clock_type = std::chrono::steady_clock;

struct Series {
  std::string name;
  std::vector<double> t, v;
};

// A power meter's reply, 9 significant digits (IEEE 488.2 NR3), as the driver parses it.
double meter_reply(double watts) {
  const std::string reply = fmt::format("{:+.8E}", watts);
  return std::strtod(reply.c_str(), nullptr);
}

Series meter(std::size_t n, double relative_noise) {
  Series s{fmt::format("meter 1 mW, noise {:g} %", relative_noise * 100), {}, {}};
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0.0, relative_noise);
  for (std::size_t i = 0; i < n; ++i) {
    s.t.push_back(1.8e9 + static_cast<double>(i));
    s.v.push_back(meter_reply(1e-3 * (1.0 + noise(rng))));
  }
  return s;
}

Series random_doubles(std::size_t n) {
  Series s{"random bit patterns", {}, {}};
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < n; ++i) {
    s.t.push_back(1.8e9 + static_cast<double>(i));
    s.v.push_back(std::bit_cast<double>(rng()));
  }
  return s;
}

Series jittered_temperature(std::size_t n) {
  Series s{"chamber 85 C, 0.01 C steps, 1 ms jitter", {}, {}};
  std::mt19937_64 rng(3);
  std::normal_distribution<double> jitter(0.0, 1e-3), drift(0.0, 0.02);
  double temp = 85.0;
  for (std::size_t i = 0; i < n; ++i) {
    s.t.push_back(1.8e9 + static_cast<double>(i) + jitter(rng));
    temp += drift(rng) - 0.01 * (temp - 85.0);
    s.v.push_back(meter_reply(std::round(temp * 100) / 100));
  }
  return s;
}

struct Stopwatch {
  clock_type::time_point wall = clock_type::now();
  double cpu = cpu_now();

  static double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  double wall_s() const { return std::chrono::duration<double>(clock_type::now() - wall).count(); }
  double cpu_s() const { return cpu_now() - cpu; }
};

struct Best {
  double wall_s = 1e9, cpu_s = 1e9;
  void take(const Stopwatch& w) {
    wall_s = std::min(wall_s, w.wall_s());
    cpu_s = std::min(cpu_s, w.cpu_s());
  }
};

void run(const Series& s, std::size_t chunk, int rounds) {
  const std::size_t n = s.t.size();
  std::vector<std::vector<std::uint8_t>> blobs;
  Best encode, decode;
  std::size_t bytes = 0;
  std::vector<double> t, v;
  for (int r = 0; r < rounds; ++r) {
    blobs.clear();
    const Stopwatch enc;
    for (std::size_t at = 0; at < n; at += chunk) {
      const std::size_t len = std::min(chunk, n - at);
      blobs.emplace_back();
      db::encode_chunk(std::span(s.t).subspan(at, len), std::span(s.v).subspan(at, len), blobs.back());
    }
    encode.take(enc);
    t.clear();
    v.clear();
    const Stopwatch dec;
    for (const auto& b : blobs) {
      if (auto st = db::decode_chunk(b, t, v); !st) {
        fmt::print(stderr, "bench_codec: {}\n", st.error().describe());
        std::exit(1);
      }
    }
    decode.take(dec);
  }
  bytes = 0;
  for (const auto& b : blobs) bytes += b.size();
  if (t != s.t || !std::equal(v.begin(), v.end(), s.v.begin(), s.v.end(), [](double a, double b) {
        return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
      })) {
    fmt::print(stderr, "bench_codec: {} did not round-trip\n", s.name);
    std::exit(1);
  }
  const double ns = static_cast<double>(n) / 1e6;
  fmt::print("{:<40} {:>6.3f} B/sample  encode {:>5.1f} M/s ({:>5.1f} cpu)  decode {:>6.1f} M/s ({:>6.1f} cpu, {:.1f} ms)\n",
             s.name, static_cast<double>(bytes) / static_cast<double>(n), ns / encode.wall_s, ns / encode.cpu_s,
             ns / decode.wall_s, ns / decode.cpu_s, decode.wall_s * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 6 * 7 * 86400;
  const std::size_t chunk = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 65536;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  if (n == 0 || chunk == 0 || chunk > db::kMaxChunkSamples || rounds <= 0) {
    fmt::print(stderr, "usage: bench_codec [samples>0] [chunk 1..{}] [rounds>0]\n", db::kMaxChunkSamples);
    return 2;
  }
  fmt::print("{} samples at 1 s, chunks of {}, best of {} rounds\n", n, chunk, rounds);
  for (double noise : {1e-4, 1e-3, 1e-2}) run(meter(n, noise), chunk, rounds);
  run(jittered_temperature(n), chunk, rounds);
  run(random_doubles(n), chunk, rounds);
}
