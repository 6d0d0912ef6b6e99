// What a run recorded, over time, whatever its kind: for a run that did not finish (aborted,
// failed, interrupted, still running) the sections of its kind may have no results to draw,
// but its readings are in the store and are what the operator needs to see.
#include "analysis/array_statistics.hpp"
#include "core/time_format.hpp"
#include "report/sections.hpp"
#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace ledlab::report {
namespace {

constexpr std::size_t kBuckets = 320;        // about one per two horizontal pixels of a plot
constexpr std::size_t kMaxLaneSeries = 512;  // per quantity: more are thinned evenly (said in the title)
constexpr std::size_t kMaxQuantities = 8;

struct Quantity {
  std::string unit;
  std::vector<const db::SeriesRecord*> laneless, lanes;
};

// Every k-th, so that at most `most` remain, first and last kept.
std::vector<const db::SeriesRecord*> thinned(const std::vector<const db::SeriesRecord*>& all, std::size_t most) {
  if (all.size() <= most) return all;
  std::vector<const db::SeriesRecord*> out;
  for (std::size_t k = 0; k < most; ++k) out.push_back(all[k * (all.size() - 1) / (most - 1)]);
  return out;
}

// Per bucket of the run's time grid: the mean of each series' samples in it, by series.
Result<std::vector<std::vector<double>>> bucket_means(db::Reader& reader, const std::vector<const db::SeriesRecord*>& series,
                                                      double t0, double t1) {
  const double width = (t1 - t0) / static_cast<double>(kBuckets);
  std::vector<std::vector<double>> out;
  for (const auto* s : series) {
    auto buckets = reader.decimate(s->id, kBuckets, t0, t1);
    if (!buckets) return fail(buckets.error());
    std::vector<double> means(kBuckets, std::nan(""));
    for (const auto& b : *buckets) {
      const auto k = std::min(kBuckets - 1, static_cast<std::size_t>(std::max(0.0, (b.t_first - t0) / width)));
      means[k] = b.mean;
    }
    out.push_back(std::move(means));
  }
  return out;
}

std::string quantity_plot(db::Reader& reader, const std::string& name, const Quantity& q, double t0, double t1) {
  const std::string unit = q.unit.empty() || q.unit == "1" ? "" : " (" + q.unit + ")";
  PlotSpec plot{.title = name, .x_label = "time since the start (h)", .y_label = name + unit};
  std::vector<double> t_h(kBuckets);
  for (std::size_t k = 0; k < kBuckets; ++k) t_h[k] = (static_cast<double>(k) + 0.5) * (t1 - t0) / kBuckets / 3600.0;
  if (!q.lanes.empty()) {
    const auto used = thinned(q.lanes, kMaxLaneSeries);
    auto means = bucket_means(reader, used, t0, t1);
    if (!means) return "<p>" + escape(name) + ": " + escape(means.error().describe()) + "</p>\n";
    PlotSeries median{.name = "median over lanes", .width = 2.0}, lo{.name = "lowest lane", .dashed = true, .width = 1.0},
        hi{.name = "highest lane", .dashed = true, .width = 1.0};
    for (std::size_t k = 0; k < kBuckets; ++k) {
      std::vector<double> at;
      for (const auto& m : *means)
        if (std::isfinite(m[k])) at.push_back(m[k]);
      if (at.empty()) continue;
      for (auto* s : {&median, &lo, &hi}) s->x.push_back(t_h[k]);
      median.y.push_back(analysis::median(at));
      lo.y.push_back(*std::ranges::min_element(at));
      hi.y.push_back(*std::ranges::max_element(at));
    }
    if (used.size() < q.lanes.size())
      plot.title += fmt::format(" ({} of {} lane series, evenly spaced)", used.size(), q.lanes.size());
    plot.series = {median, lo, hi};
  }
  auto laneless = bucket_means(reader, q.laneless, t0, t1);
  if (!laneless) return "<p>" + escape(name) + ": " + escape(laneless.error().describe()) + "</p>\n";
  for (std::size_t i = 0; i < laneless->size(); ++i) {
    PlotSeries s{.name = q.laneless.size() > 1 ? fmt::format("{} {}", name, q.laneless[i]->spec.conditions_json) : name,
                 .markers = true};
    for (std::size_t k = 0; k < kBuckets; ++k) {
      if (!std::isfinite((*laneless)[i][k])) continue;
      s.x.push_back(t_h[k]);
      s.y.push_back((*laneless)[i][k]);
    }
    plot.series.push_back(std::move(s));
  }
  return render_plot(plot);
}

}  // namespace

std::string recorded_section(const RunData& run, db::Reader& reader) {
  std::map<std::string, Quantity> by_quantity;
  std::vector<std::string> order;  // as first declared
  double t0 = INFINITY, t1 = -INFINITY;
  for (const auto& s : run.series) {
    if (s.sample_count == 0 || !s.first_t_s || !s.last_t_s) continue;
    t0 = std::min(t0, *s.first_t_s);
    t1 = std::max(t1, *s.last_t_s);
    auto [it, added] = by_quantity.try_emplace(s.spec.quantity);
    if (added) order.push_back(s.spec.quantity), it->second.unit = s.spec.unit;
    (s.spec.lane ? it->second.lanes : it->second.laneless).push_back(&s);
  }
  std::string html = "<h2>Recorded readings</h2>\n";
  if (order.empty()) return html + "<p>The run recorded no readings.</p>\n";
  if (!(t1 > t0)) t1 = t0 + 1;  // one instant: a bucket grid of one second
  html += fmt::format("<p>Every quantity the run recorded, from {} to {} ({:.2f} h); per-lane quantities as the median and "
                      "the extremes over lanes per time bucket.</p>\n",
                      iso_utc(t0), iso_utc(t1), (t1 - t0) / 3600.0);
  for (std::size_t i = 0; i < order.size() && i < kMaxQuantities; ++i)
    html += quantity_plot(reader, order[i], by_quantity[order[i]], t0, t1);
  if (order.size() > kMaxQuantities)
    html += fmt::format("<p>{} more quantities not plotted (ledlab export lists them all).</p>\n", order.size() - kMaxQuantities);
  return html;
}

}  // namespace ledlab::report
