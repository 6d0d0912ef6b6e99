#pragma once
// What the dashboard's model plots, checked against the store for the same readings: the array
// mean of optical power per reading, as the run defines it (db/SCHEMA.md, the sequences'
// dead_below_w): over the lanes whose first reading is at or above dead_below_w and that no
// result calls dead or a catastrophic failure.
#include "db/reader.hpp"
#include "db/verdict.hpp"
#include "gui/core/run_data.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::test {

// A plotted history as (hours, value) points; each point of a history this short is a bucket
// of its own, and the columns are narrow enough to hold one each.
inline std::vector<std::pair<double, double>> points_of(const gui::MinMaxHistory& h) {
  std::vector<gui::MinMaxHistory::Column> columns;
  h.decimate(h.t_first() - 1e-3, h.t_last() + 1e-3, static_cast<int>(h.points()) * 64 + 64, columns);
  std::vector<std::pair<double, double>> out;
  for (const auto& c : columns)
    if (c.filled) {
      CHECK(c.lo == c.hi);
      out.emplace_back(c.t, c.lo);
    }
  return out;
}

inline const gui::History* first_history(const std::vector<gui::PlotData>& plots, const std::string& title) {
  for (const auto& p : plots)
    if (p.title == title && !p.histories.empty()) return &p.histories.front();
  return nullptr;
}

// The store's array mean per reading time, read on its own connection, with the results the
// model had (`results`), for the readings every lane with an optical power series has reached
// the store.
inline std::map<double, double> store_means(db::Reader& reader, db::RunId run, double dead_below_w,
                                            const std::vector<db::ResultRecord>& results) {
  std::set<int> out;  // dead or catastrophic by the results
  for (const auto& r : results) {
    if (!r.lane) continue;
    const auto extra = nlohmann::json::parse(r.extra_json, nullptr, false);
    const auto flag = [&](const char* key) { return extra.is_object() && extra.value(key, false); };
    if (db::verdict_of(r) == db::Verdict::dead || flag("dead") || (r.name == "lane_failed" && flag("catastrophic")))
      out.insert(*r.lane);
  }
  auto series = reader.series(run);
  REQUIRE(series);
  std::map<double, std::pair<double, int>> sums;  // t -> (sum over counted lanes, lanes read)
  std::set<int> lanes, counted;
  for (const auto& s : *series) {
    if (!s.spec.lane || s.spec.quantity != "optical_power") continue;
    lanes.insert(*s.spec.lane);
    auto samples = reader.samples(s.id);
    REQUIRE(samples);
    if (samples->empty()) continue;
    const bool counts = samples->front().value >= dead_below_w && !out.contains(*s.spec.lane);
    if (counts) counted.insert(*s.spec.lane);
    for (const auto& x : *samples) {
      auto& [sum, n] = sums[x.t_s];
      if (counts) sum += x.value;
      ++n;
    }
  }
  std::map<double, double> means;
  for (const auto& [t, acc] : sums)
    if (acc.second == static_cast<int>(lanes.size()) && !counted.empty()) means[t] = acc.first / static_cast<double>(counted.size());
  return means;
}

// Every point the model plots is one reading's array mean as the store has it, the readings in
// order from the first, none left out between them, none twice; the burn-in decay the same
// means as % of the first reading's. Returns how many readings the model plots.
inline std::size_t check_against_store(const gui::RunData& data, db::Reader& check, double dead_below_w) {
  const auto expected = store_means(check, data.run().id, dead_below_w, data.results());
  const auto plots = data.plots(0);
  const auto* mean = first_history(plots, "Optical power");
  if (!mean) return 0;
  const auto points = points_of(*mean->data);
  REQUIRE(points.size() <= expected.size());
  auto it = expected.begin();
  for (const auto& [h, value] : points) {
    INFO("reading at " << h << " h");
    CHECK(h == Approx((it->first - data.run().started_s) / 3600).margin(1e-9));
    CHECK(value == Approx(it->second).epsilon(1e-12));
    ++it;
  }
  if (const auto* decay = first_history(plots, "Burn-in power decay")) {
    const auto percent = points_of(*decay->data);
    REQUIRE(percent.size() <= points.size());
    for (std::size_t i = 0; i < percent.size(); ++i)
      CHECK(percent[i].second == Approx(100 * points[i].second / expected.begin()->second).epsilon(1e-12));
  }
  return points.size();
}

}  // namespace ledlab::test
