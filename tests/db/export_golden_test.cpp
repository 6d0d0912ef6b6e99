// Exports are a stable interface (db/SCHEMA.md "Exports"): the bytes of every export of a
// fixed run are compared with golden files written by the exporter as it was before it was
// made to stream (commit "Golden exports ..."). A run that differs only in its uuid and host
// must export to the same bytes for as long as the format version stays 1.
#include "db/export.hpp"
#include "db/sha256.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

using namespace ledlab;
using namespace ledlab::db;

namespace {

const std::filesystem::path kGolden = std::filesystem::path(LEDLAB_SOURCE_DIR) / "tests" / "db" / "golden";

// A small run holding what an export has to get right: quoting, NULLs, infinite and
// extreme numbers, an empty series, a lane-less series, text that is not UTF-8. (No NaN and no
// -0.0: the row layout could not keep them, so their export depends on the layout.)
RunRecord record_small_run(Store& store) {
  RunProvenance p{.sequence = "burn_in",
                  .script_text = "soak()\n-- two lines\n",
                  .parameters_json = R"({"hours":1008,"stress_temperature_c":85})",
                  .station_json = R"({"name":"bench, \"A\"","source":"stations/a.toml","simulated":true})",
                  .operator_name = "Ana \"QA\", night shift",
                  .dut_serial = "MLA-9",
                  .ledlab_version = "9.9.9",
                  .started_s = 1700000000.25};
  RunRecord run = store.begin_run(p).value();
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE(store.add_instrument(run.id, {.name = "pm1", .kind = "power_meter", .resource = "tcp://127.0.0.1:5025",
                                        .idn = "Thorlabs,PM5020,P500,1.2", .settings_json = R"({"wavelength_nm":850})"}));
  REQUIRE(store.upsert_dut({.serial = "MLA-9", .description = "20x20 array", .info_json = R"({"pitch_um":40})",
                            .lanes = {{.lane = 1, .row = 0, .col = 0, .label = "A1"}, {.lane = 2, .label = "A2"}}}));
  const SeriesId p1 = store.declare_series(run.id, {.lane = 1, .quantity = "optical_power", .unit = "W",
                                                    .conditions_json = R"({"stress_temperature_c":85,"note":"a, \"b\""})"})
                          .value();
  const SeriesId chamber =
      store.declare_series(run.id, {.quantity = "chamber_temperature", .unit = "C", .conditions_json = "{}"}).value();
  const SeriesId empty = store.declare_series(run.id, {.lane = 2, .quantity = "optical_power", .unit = "W"}).value();
  const SeriesId odd = store.declare_series(run.id, {.lane = 2, .quantity = "ber", .unit = "1"}).value();
  (void)empty;
  for (int k = 0; k < 40; ++k) {
    const double t = 1700000001.0 + 0.1 * k;
    REQUIRE(store.append(p1, t, 1e-4 * (1 - 1e-3 * k) + 1e-9 / 3));
    if (k % 4 == 0) REQUIRE(store.append(chamber, t + 0.05, 85.0 + 0.01 * k));
  }
  for (double v : {inf, -inf, 0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                   1.0 / 3.0, 123456789012345680.0, 1e21, 1e-7})
    REQUIRE(store.append(odd, 1700000010.5, v));
  REQUIRE(store.record_result(run.id, {.name = "lane_failed", .lane = 1, .value = 0, .unit = "1", .upper_limit = 0,
                                       .extra_json = R"({"change":-0.039,"failed_at_h":null})", .t_s = 1700000020.0}));
  REQUIRE(store.record_result(run.id, {.name = "l70_h", .value = inf, .unit = "h",
                                       .extra_json = R"({"capped":true,"note":"line\nbreak"})", .t_s = 1700000020.0,
                                       .qualifier = Qualifier::at_least}));
  REQUIRE(store.record_result(run.id, {.name = "decay_rate_pct_per_kh", .lane = 2, .value = 12.5, .unit = "%/1000h",
                                       .lower_limit = -1, .upper_limit = 10, .t_s = 1700000021.0}));
  REQUIRE(store.log_event(run.id, {.t_s = 1700000005.0, .kind = EventKind::alarm, .source = "chamber1",
                                   .message = "over \"temperature\", 86 C", .data_json = R"({"t":86})"}));
  REQUIRE(store.log_event(run.id, {.t_s = 1700000006.0, .kind = EventKind::info, .source = "script",
                                   .message = "raw \xff byte\r\nnext line"}));
  REQUIRE(store.checkpoint(run.id, {.name = "step", .state_json = R"({"k":3})", .t_s = 1700000007.0}));
  REQUIRE(store.end_run(run.id, RunStatus::finished, 1700000030.5));
  return run;
}

// Three long series, so streamed exports cross every chunk and batch boundary.
RunRecord record_long_run(Store& store) {
  RunRecord run = store.begin_run({.sequence = "burn_in", .script_text = "soak()", .ledlab_version = "9.9.9",
                                   .started_s = 1700000000.0})
                      .value();
  std::vector<SeriesId> lanes;
  for (int lane = 1; lane <= 3; ++lane)
    lanes.push_back(store.declare_series(run.id, {.lane = lane, .quantity = "optical_power", .unit = "W"}).value());
  for (int k = 0; k < 9000; ++k)
    for (int lane = 1; lane <= 3; ++lane)
      REQUIRE(store.append(lanes[static_cast<std::size_t>(lane - 1)], 1700000000.0 + 3.5 * k,
                           1e-4 * lane * std::exp(-1e-5 * k) + 1e-7 * std::sin(k)));
  REQUIRE(store.end_run(run.id, RunStatus::finished, 1700040000.0));
  return run;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The parts of an export that differ between two recordings of the same run.
std::string normalised(std::string text, const RunRecord& run) {
  return replace_all(replace_all(std::move(text), run.uuid, "{uuid}"), "\"host\":\"" + run.host + "\"", "\"host\":\"{host}\"");
}

struct Exports {
  std::string samples, results, events, json;
};

Exports export_all(const std::filesystem::path& db, const RunRecord& recorded) {
  auto reader = Reader::open(db).value();
  const RunRecord run = reader.run(recorded.id).value();
  Exports e;
  for (auto [table, text] : {std::pair{CsvTable::samples, &e.samples}, std::pair{CsvTable::results, &e.results},
                             std::pair{CsvTable::events, &e.events}}) {
    std::ostringstream out;
    REQUIRE(export_csv(reader, run, table, out));
    *text = normalised(out.str(), run);
  }
  std::ostringstream out;
  REQUIRE(export_json(reader, run, out));
  e.json = normalised(out.str(), run);
  return e;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Compares with the golden file; a missing one is written as <name>.new for review and fails.
void check_golden(const std::string& name, const std::string& text) {
  INFO("golden file " << (kGolden / name).string());
  if (!std::filesystem::exists(kGolden / name)) {
    std::filesystem::create_directories(kGolden);
    std::ofstream(kGolden / (name + ".new"), std::ios::binary) << text;
    FAIL("no golden file; wrote " << name << ".new");
  }
  const std::string golden = slurp(kGolden / name);
  CHECK(text.size() == golden.size());
  CHECK(text == golden);
}

}  // namespace

TEST_CASE("every export of a small run is byte for byte what the exporter wrote before streaming") {
  test::TempDb tmp;
  RunRecord run;
  {
    auto store = Store::open(tmp.path()).value();
    run = record_small_run(*store);
  }
  const Exports e = export_all(tmp.path(), run);
  check_golden("small_samples.csv", e.samples);
  check_golden("small_results.csv", e.results);
  check_golden("small_events.csv", e.events);
  check_golden("small.json", e.json);
}

TEST_CASE("exports of long series are byte for byte what the exporter wrote before streaming (digests)") {
  test::TempDb tmp;
  RunRecord run;
  {
    auto store = Store::open(tmp.path()).value();
    run = record_long_run(*store);
  }
  const Exports e = export_all(tmp.path(), run);
  CHECK(std::count(e.samples.begin(), e.samples.end(), '\n') == 27001);
  check_golden("long.sha256", "samples.csv " + sha256_hex(e.samples) + "\nrun.json " + sha256_hex(e.json) + "\n");
}
