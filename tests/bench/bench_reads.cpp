// The user-facing read paths on a big store: `ledlab show`, streamed CSV exports of one lane
// and of a whole run, the burn-in report's decay curves and full HTML report, and the
// dashboard opening the run. Each is timed end to end (open, find the run, read, format),
// with the process's peak resident memory after it, so a path that holds a run in memory shows.
//
//   bench_reads time STORE RUN [--lane N] [--out-dir DIR] [--repeat K]
//       RUN is a uuid or unique prefix. Exports go to a counting sink unless --out-dir is
//       given (then to files there, disk included).
//   bench_reads make STORE [--lanes 400] [--readings 10000] [--interval-s 360]
//       Writes a burn-in-like run through db::Store (lanes x readings optical power samples,
//       a chamber series, per-lane and array results, some events) and prints its uuid.
// Build it in Release (-DCMAKE_BUILD_TYPE=Release): other builds print a warning.
#include "db/cli.hpp"
#include "db/export.hpp"
#include "db/store.hpp"
#include "gui/core/run_data.hpp"
#include "report/decay.hpp"
#include "report/run_report.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <streambuf>

namespace {

using namespace ledlab;
using clock_type = std::chrono::steady_clock;

[[noreturn]] void die(const Error& e) {
  fmt::print(stderr, "bench_reads: {}\n", e.describe());
  std::exit(1);
}

template <class T>
T need(Result<T> r) {
  if (!r) die(r.error());
  return std::move(*r);
}
void need(const Status& s) {
  if (!s) die(s.error());
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Counts what is written and keeps nothing: the export's own cost, without the disk's.
class CountingBuf : public std::streambuf {
 public:
  std::uint64_t bytes = 0, lines = 0;

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    bytes += static_cast<std::uint64_t>(n);
    lines += static_cast<std::uint64_t>(std::count(s, s + n, '\n'));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      ++bytes;
      if (c == '\n') ++lines;
    }
    return c;
  }
};

template <class Fn>
double seconds(Fn&& fn) {
  const auto t0 = clock_type::now();
  fn();
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

void report_line(std::string_view what, double s, std::string_view detail) {
  fmt::print("  {:<34} {:>9.3f} s   peak RSS {:>7.1f} MiB   {}\n", what, s, peak_rss_mib(), detail);
}

int run_cli(const std::vector<std::string>& args, std::ostream& out) {
  CLI::App app{"ledlab"};
  app.require_subcommand(1);
  std::ostringstream err;
  db::register_store_commands(app, out, err);
  std::vector<const char*> argv{"ledlab"};
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::Error& e) {
    fmt::print(stderr, "bench_reads: ledlab {}: {}{}\n", args.front(), err.str(), e.what());
    return e.get_exit_code() == 0 ? 1 : e.get_exit_code();
  }
  return 0;
}

// Exports through the CLI, as a user runs it, to a counting sink or a file.
void time_export(const std::string& what, std::vector<std::string> args, const std::string& out_dir,
                 const std::string& file) {
  CountingBuf counter;
  std::ostream sink(&counter);
  if (!out_dir.empty()) args.insert(args.end(), {"--out", out_dir + "/" + file});
  int code = 0;
  const double s = seconds([&] { code = run_cli(args, sink); });
  if (code != 0) std::exit(code);
  std::uint64_t bytes = counter.bytes, lines = counter.lines;
  if (!out_dir.empty()) {
    std::ifstream in(out_dir + "/" + file, std::ios::binary);
    bytes = lines = 0;
    for (std::string line; std::getline(in, line);) bytes += line.size() + 1, ++lines;
  }
  const double rows = static_cast<double>(lines > 0 ? lines - 1 : 0);
  report_line(what, s, fmt::format("{:.0f} rows, {:.1f} MB, {:.2f} M rows/s, {:.0f} MB/s", rows, bytes / 1e6,
                                   rows / s / 1e6, bytes / 1e6 / s));
}

int time_reads(const std::string& store, const std::string& run_key, std::optional<int> lane, const std::string& out_dir,
               int repeat) {
  auto reader = need(db::Reader::open(store));
  const auto run = need(reader.find_run(run_key));
  const auto totals = need(reader.totals(run.id));
  if (!lane) {
    for (const auto& s : need(reader.series(run.id)))
      if (s.spec.lane) {
        lane = *s.spec.lane;
        break;
      }
  }
  fmt::print("store {} ({:.1f} MB), run {} ({}): {} series, {} samples, {} results, {} events\n", store,
             static_cast<double>(std::filesystem::file_size(store)) / 1e6, run.uuid, run.sequence, totals.series,
             totals.samples, totals.results, totals.events);
  for (int r = 0; r < repeat; ++r) {
    fmt::print("round {}\n", r + 1);
    std::ostringstream shown;
    const double show_s = seconds([&] {
      if (run_cli({"show", run.uuid, "--db", store}, shown) != 0) std::exit(1);
    });
    const std::string text = shown.str();
    report_line("ledlab show RUN", show_s, fmt::format("{} lines", std::count(text.begin(), text.end(), '\n')));
    if (lane)
      time_export(fmt::format("export csv samples --lane {}", *lane),
                  {"export", run.uuid, "--db", store, "--lane", std::to_string(*lane)}, out_dir, "lane.csv");
    time_export("export csv samples (whole run)", {"export", run.uuid, "--db", store}, out_dir, "samples.csv");

    // The burn-in report's decay curves: what opening the report waits for besides results.
    double decay_s = 0;
    std::size_t points = 0;
    decay_s = seconds([&] {
      auto r2 = need(db::Reader::open(store));
      const auto data = need(report::load_run(r2, run.uuid));
      std::vector<bool> none(static_cast<std::size_t>(data.lanes), false);
      points = need(report::load_decay(data, r2, none, none, 640)).t_h.size();
    });
    report_line("report: load run + decay curves", decay_s, fmt::format("{} points", points));
    std::size_t html = 0;
    const double report_s = seconds([&] {
      auto r2 = need(db::Reader::open(store));
      html = need(report::render_run_report(r2, run.uuid)).size();
    });
    report_line("report: whole HTML report", report_s, fmt::format("{:.2f} MB of HTML", html / 1e6));
    const double gui_s = seconds([&] {
      auto r2 = need(db::Reader::open(store));
      gui::RunData data(run);
      (void)need(data.refresh(r2));
      points = data.plots(0).size();
    });
    report_line("dashboard: open the run (refresh)", gui_s, fmt::format("{} plots", points));
  }
  return 0;
}

int make_store(const std::string& path, int lanes, int readings, double interval_s) {
  auto store = need(db::Store::open(path));
  const double t0 = 1.7e9;
  const auto run = need(store->begin_run({.sequence = "burn_in",
                                          .script_text = "-- bench_reads make",
                                          .parameters_json = R"({"stress_temperature_c":85,"dut_type":"bench"})",
                                          .dut_serial = "BENCH-1",
                                          .started_s = t0}));
  const std::string stress = R"({"stress_temperature_c":85,"drive_current_a":0.01})";
  std::vector<db::SeriesId> ids;
  for (int lane = 1; lane <= lanes; ++lane)
    ids.push_back(need(store->declare_series(run.id, {.lane = lane, .quantity = "optical_power", .unit = "W",
                                                      .conditions_json = stress})));
  const auto chamber = need(store->declare_series(run.id, {.quantity = "chamber_temperature", .unit = "C",
                                                          .conditions_json = stress}));
  std::vector<db::Sample> sweep(ids.size() + 1);
  const double s = seconds([&] {
    for (int k = 0; k < readings; ++k) {
      const double t = t0 + interval_s * k, hours = interval_s * k / 3600.0;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        // Four significant digits, as a power meter's ASCII reply gives them.
        const double p = 1e-4 * (1 + 0.01 * static_cast<double>(i % 17)) * std::exp(-1e-5 * hours);
        sweep[i] = {ids[i], t + 0.001 * static_cast<double>(i), std::round(p * 1e8) / 1e8};
      }
      sweep.back() = {chamber, t, 85.0 + std::round(10 * std::sin(k * 0.1)) / 100};
      need(store->append(sweep));
    }
    need(store->flush());
  });
  for (int lane = 1; lane <= lanes; ++lane) {
    need(store->record_result(run.id, {.name = "lane_failed", .lane = lane, .value = 0, .upper_limit = 0}));
    need(store->record_result(run.id, {.name = "decay_rate_pct_per_kh", .lane = lane, .value = 1.0, .unit = "%/1000h"}));
  }
  need(store->record_result(run.id, {.name = "decay_rate_pct_per_kh", .value = 1.0, .unit = "%/1000h",
                                     .extra_json = R"({"alpha_per_h":1e-5,"b":1})"}));
  for (int k = 0; k < 100; ++k)
    need(store->log_event(run.id, {.t_s = t0 + k * interval_s, .kind = db::EventKind::info, .source = "bench",
                                   .message = fmt::format("reading {}", k)}));
  need(store->end_run(run.id, db::RunStatus::finished, t0 + interval_s * readings));
  const double n = static_cast<double>(readings) * (lanes + 1);
  fmt::print(stderr, "wrote {:.0f} samples in {:.1f} s ({:.2f} M/s)\n", n, s, n / s / 1e6);
  fmt::print("{}\n", run.uuid);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef NDEBUG
  fmt::print(stderr, "WARNING: bench_reads built without NDEBUG (not a Release build); figures are not representative\n");
#endif
  CLI::App app{"Times ledlab's read paths (show, exports, report, dashboard) on a big store"};
  app.require_subcommand(1);
  std::string store, run, out_dir;
  std::optional<int> lane;
  int repeat = 1, lanes = 400, readings = 10000;
  double interval_s = 360;
  auto* time = app.add_subcommand("time", "time the read paths of one run");
  time->add_option("STORE", store, "results store")->required();
  time->add_option("RUN", run, "run uuid or unique prefix")->required();
  time->add_option("--lane", lane, "lane for the one-lane export (default: the run's first)");
  time->add_option("--out-dir", out_dir, "write the exports here (default: count and discard)");
  time->add_option("--repeat", repeat, "rounds")->capture_default_str();
  auto* make = app.add_subcommand("make", "write a burn-in-like run to a new or existing store");
  make->add_option("STORE", store, "results store")->required();
  make->add_option("--lanes", lanes, "lanes")->capture_default_str()->check(CLI::Range(1, 100000));
  make->add_option("--readings", readings, "readings per lane")->capture_default_str()->check(CLI::Range(1, 1 << 30));
  make->add_option("--interval-s", interval_s, "seconds between readings")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (*make) return make_store(store, lanes, readings, interval_s);
  return time_reads(store, run, lane, out_dir, repeat);
}
