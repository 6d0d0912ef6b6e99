// Helper for crash_test: writes a run as fast as it can until it is killed, reporting on
// stdout every sample count that flush() has confirmed as committed.
//   store_crash_writer DB_PATH [KILL_AT_STEP]
// With KILL_AT_STEP the store compacts and merges chunks after every few batches, and the
// writer kills itself (SIGKILL) at the KILL_AT_STEP-th compaction or merge, halfway through.
// Sample i goes to series i % 8 with t_s = i / 8 and value = i, so the parent can check
// that what survived is exactly the samples 0 .. N-1 for some N >= the last reported count.
#include "db/store.hpp"

#include <fmt/core.h>
#include <csignal>
#include <unistd.h>

#include <string>
#include <vector>

using namespace ledlab::db;

namespace {
void say(const std::string& line) {
  std::string text = line + "\n";
  // Unbuffered, in one write: the parent must see a line only once it is true.
  if (::write(1, text.data(), text.size()) != static_cast<ssize_t>(text.size())) _exit(3);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) return 2;
  StoreOptions options{.batch_samples = 3000, .max_latency = std::chrono::milliseconds(10)};
  if (argc == 3) {
    const long kill_at = std::stol(argv[2]);
    options.chunks = {.hot_limit = 700, .chunk_samples = 1024, .merge_count = 3, .direct_min = 100000,
                      .probe = [kill_at, steps = 0L](std::string_view) mutable {
                        if (++steps == kill_at) {
                          say("dying in compaction");
                          ::raise(SIGKILL);
                        }
                      }};
  }
  auto store = Store::open(argv[1], options);
  if (!store) {
    fmt::print(stderr, "{}\n", store.error().describe());
    return 1;
  }
  RunProvenance p;
  p.sequence = "crash_soak";
  p.script_text = "while true do sample() end";
  p.dut_serial = "MLA-CRASH";
  auto run = (*store)->begin_run(p);
  if (!run) return 1;
  say("run " + run->uuid);
  std::vector<SeriesId> series;
  for (int lane = 0; lane < 8; ++lane) {
    auto id = (*store)->declare_series(run->id, {.lane = lane, .quantity = "optical_power", .unit = "W",
                                                 .conditions_json = "{}"});
    if (!id) return 1;
    series.push_back(*id);
  }
  say("series");
  for (std::int64_t i = 0;; ++i) {
    if (!(*store)->append(series[static_cast<std::size_t>(i % 8)], static_cast<double>(i / 8), static_cast<double>(i)))
      return 1;
    if (i % 5000 == 4999) {
      ResultRecord r;
      r.name = "progress";
      r.value = static_cast<double>(i);
      if (!(*store)->record_result(run->id, r)) return 1;
      if (!(*store)->checkpoint(run->id, {"progress", fmt::format("{{\"i\":{}}}", i), 0.0})) return 1;
    }
    if (i % 997 == 996) {
      if (!(*store)->flush()) return 1;
      say(fmt::format("committed {}", i + 1));
    }
  }
}
