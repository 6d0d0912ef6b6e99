// `ledlab export --lane / --quantity / --from / --to`: one lane's history or a time window of
// the samples table, exactly what Reader::samples returns for the same series and window.
#include "cli_support.hpp"
#include "db/export.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cmath>
#include <fstream>

using namespace ledlab;
using namespace ledlab::db;
using ledlab::db::test::parse_csv;
using ledlab::db::test::run_cli;

namespace {

constexpr double kT0 = 1700000000.0;  // 2023-11-14T22:13:20Z
constexpr int kReadings = 10000;      // more than one streamed run of samples per series

// Three lanes of optical power, a second quantity on lane 2, and the chamber (no lane).
struct Burn {
  test::TempDb tmp;
  RunRecord run;
  std::vector<SeriesId> power;
  SeriesId lane2_ber = 0, chamber = 0;

  Burn() {
    auto store = Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "burn_in", .script_text = "soak()", .started_s = kT0}).value();
    for (int lane = 1; lane <= 3; ++lane)
      power.push_back(store->declare_series(run.id, {.lane = lane, .quantity = "optical_power", .unit = "W"}).value());
    lane2_ber = store->declare_series(run.id, {.lane = 2, .quantity = "ber", .unit = "1"}).value();
    chamber = store->declare_series(run.id, {.quantity = "chamber_temperature", .unit = "C"}).value();
    for (int k = 0; k < kReadings; ++k) {
      const double t = kT0 + 60.0 * k;
      for (int lane = 1; lane <= 3; ++lane)
        REQUIRE(store->append(power[static_cast<std::size_t>(lane - 1)], t, 1e-4 * lane * std::exp(-1e-5 * k)));
      REQUIRE(store->append(lane2_ber, t + 1, 1e-13 * (1 + k % 7)));
      if (k % 10 == 0) REQUIRE(store->append(chamber, t + 2, 85 + 0.01 * (k % 13)));
    }
    REQUIRE(store->end_run(run.id, RunStatus::finished, kT0 + 60.0 * kReadings));
  }

  std::vector<std::vector<std::string>> export_rows(std::vector<std::string> options) {
    std::vector<std::string> args{"export", run.uuid, "--db", tmp.path().string()};
    args.insert(args.end(), options.begin(), options.end());
    std::string out, err;
    INFO(err);
    REQUIRE(run_cli(args, out, err) == 0);
    return parse_csv(out);
  }

  // What the reader holds for these series in this window, as (series, t, value) rows.
  std::vector<std::tuple<SeriesId, double, double>> expected(std::vector<SeriesId> series, double from, double to) {
    auto reader = Reader::open(tmp.path()).value();
    std::vector<std::tuple<SeriesId, double, double>> rows;
    for (SeriesId s : series) {
      const auto samples = reader.samples(s, from, to).value();
      for (const Sample& x : samples) rows.emplace_back(x.series, x.t_s, x.value);
    }
    return rows;
  }
};

std::vector<std::tuple<SeriesId, double, double>> sample_rows(const std::vector<std::vector<std::string>>& csv) {
  std::vector<std::tuple<SeriesId, double, double>> rows;
  for (std::size_t i = 1; i < csv.size(); ++i) rows.emplace_back(std::stoll(csv[i][1]), std::stod(csv[i][6]), std::stod(csv[i][7]));
  return rows;
}

}  // namespace

TEST_CASE_METHOD(Burn, "export --lane gives that lane's whole history, every quantity, and nothing else") {
  const auto csv = export_rows({"--lane", "2"});
  REQUIRE(csv.size() > 1);
  CHECK(csv[0][0] == "run_uuid");
  for (std::size_t i = 1; i < csv.size(); ++i) CHECK(csv[i][2] == "2");
  const auto rows = sample_rows(csv);
  CHECK(rows.size() == 2u * kReadings);
  CHECK(rows == expected({power[1], lane2_ber}, -INFINITY, INFINITY));
}

TEST_CASE_METHOD(Burn, "export of a time window holds exactly the samples inside it, bounds included") {
  // Reading 100 is at kT0 + 6000 s = 2023-11-14T23:53:20Z; the window ends on reading 4999's time.
  const double from = kT0 + 6000, to = kT0 + 60.0 * 4999;
  const auto csv = export_rows({"--lane", "1", "--quantity", "optical_power", "--from", "2023-11-14T23:53:20Z", "--to",
                                fmt::format("{}", to)});
  const auto rows = sample_rows(csv);
  CHECK(rows.size() == 4900u);
  CHECK(std::get<1>(rows.front()) == from);
  CHECK(std::get<1>(rows.back()) == to);
  CHECK(rows == expected({power[0]}, from, to));
  for (std::size_t i = 1; i < csv.size(); ++i) CHECK(csv[i][3] == "optical_power");

  // A window alone, over every series: each series' own samples inside it, series by series.
  const auto all = sample_rows(export_rows({"--from", fmt::format("{}", from), "--to", fmt::format("{}", from + 600.5)}));
  CHECK(all == expected({power[0], power[1], power[2], lane2_ber, chamber}, from, from + 600.5));
  CHECK(all.size() == 3u * 11 + 10 + 1);
}

TEST_CASE_METHOD(Burn, "export --quantity of a lane-less quantity, and a window that holds no sample") {
  const auto rows = sample_rows(export_rows({"--quantity", "chamber_temperature"}));
  CHECK(rows == expected({chamber}, -INFINITY, INFINITY));
  CHECK(rows.size() == kReadings / 10u);
  const auto none = export_rows({"--lane", "3", "--from", "2000-01-01", "--to", "2000-01-02"});
  REQUIRE(none.size() == 1);  // the header only
  CHECK(none[0][7] == "value");
}

TEST_CASE_METHOD(Burn, "export selections that make no sense are refused with what was wrong") {
  const std::string db = tmp.path().string();
  std::string out, err;
  CHECK(run_cli({"export", run.uuid, "--db", db, "--lane", "99"}, out, err) == 1);
  CHECK_THAT(err, Catch::Contains("has no series of lane 99"));
  CHECK(out.empty());
  CHECK(run_cli({"export", run.uuid, "--db", db, "--lane", "2", "--quantity", "s21"}, out, err) == 1);
  CHECK_THAT(err, Catch::Contains("no series of lane 2 and quantity 's21'"));
  CHECK(run_cli({"export", run.uuid, "--db", db, "--from", "yesterday"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--from: time 'yesterday'"));
  CHECK(run_cli({"export", run.uuid, "--db", db, "--to", "2023-11-14T22:13:20"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("no time zone"));
  CHECK(run_cli({"export", run.uuid, "--db", db, "--from", "2023-02-30"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("no such date"));
  CHECK(run_cli({"export", run.uuid, "--db", db, "--from", "1700000100", "--to", "1700000000"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("from (1700000100) is after to (1700000000)"));
  CHECK(run_cli({"export", run.uuid, "--db", db, "--lane", "1", "--table", "results"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("use them with --format csv --table samples"));
  CHECK(run_cli({"export", run.uuid, "--db", db, "--quantity", "ber", "--format", "json"}, out, err) == 2);
  CHECK(run_cli({"export", run.uuid, "--db", db, "--lane", "two"}, out, err) == 2);
}

TEST_CASE_METHOD(Burn, "export --lane --out writes the file whole, and nothing when the lane does not exist") {
  auto file = tmp.dir() / "lane3.csv";
  std::string out, err;
  REQUIRE(run_cli({"export", run.uuid, "--db", tmp.path().string(), "--lane", "3", "--out", file.string()}, out, err) == 0);
  std::ifstream in(file, std::ios::binary);
  const auto rows = sample_rows(parse_csv({std::istreambuf_iterator<char>(in), {}}));
  CHECK(rows == expected({power[2]}, -INFINITY, INFINITY));
  auto missing = tmp.dir() / "lane9.csv";
  CHECK(run_cli({"export", run.uuid, "--db", tmp.path().string(), "--lane", "9", "--out", missing.string()}, out, err) == 1);
  CHECK_FALSE(std::filesystem::exists(missing));
  CHECK_FALSE(std::filesystem::exists(missing.string() + ".partial"));
}
