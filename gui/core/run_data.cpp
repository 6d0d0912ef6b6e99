#include "gui/core/run_data.hpp"

#include "db/bucket_grid.hpp"
#include "engine/station_config.hpp"
#include "gui/core/ticks.hpp"
#include "viz/lane_layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <string_view>

namespace ledlab::gui {

using nlohmann::json;

namespace {

// The dead threshold of a run whose parameters name none: the default of `dead_below_w` in the
// sequences that declare it (burn_in, ber_vs_temperature, liv, min_energy_bias).
constexpr double kDefaultDeadBelowW = 1e-6;
constexpr double kDeadLaneBer = 0.1;  // a dark lane's receiver guesses: BER near 0.5 is no link, not a worst case

std::shared_ptr<const MinMaxHistory> frozen(const MinMaxHistory& h) { return std::make_shared<const MinMaxHistory>(h); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

json parse_object(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

// A boolean in a result's extra: `value` when the key is absent or not a boolean.
bool flag(const json& extra, const char* key, bool value) {
  const auto it = extra.find(key);
  return it != extra.end() && it->is_boolean() ? it->get<bool>() : value;
}

}  // namespace

RunData::RunData(db::RunRecord run) : run_(std::move(run)), dead_below_w_(kDefaultDeadBelowW) {
  if (const json params = parse_object(run_.parameters_json);
      params.contains("dead_below_w") && params["dead_below_w"].is_number() && std::isfinite(params["dead_below_w"].get<double>()))
    dead_below_w_ = params["dead_below_w"].get<double>();
  // The array's shape from the station the run used ([bench.array] rows x cols), unless the
  // store's lanes table for the run's DUT places its lanes (read_layout, lane_map).
  const json station = parse_object(run_.station_json);
  if (station.contains("name") && station["name"].is_string()) station_name_ = station["name"].get<std::string>();
  if (station.contains("text") && station["text"].is_string()) {
    if (auto cfg = engine::parse_station(station["text"].get<std::string>(), "run station"); cfg) {
      const auto& array = cfg->bench.is_object() ? cfg->bench.value("array", json::object()) : json::object();
      rows_ = array.value("rows", 0);
      cols_ = array.value("cols", 0);
    }
  }
}

std::optional<double> RunData::condition(const Series& s, const char* key) const {
  auto it = s.conditions.find(key);
  if (it == s.conditions.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

MinMaxHistory* RunData::history_of(const Series& s) {
  if (!s.rec.spec.lane) return &laneless_.try_emplace(s.rec.spec.quantity, kLanelessBuckets).first->second;
  if (s.rec.spec.quantity == "optical_power") return &lane_power_.try_emplace(*s.rec.spec.lane, kLaneBuckets).first->second;
  return nullptr;
}

std::optional<double> RunData::setpoint(const Series& s) const {
  if (s.rec.spec.lane || s.rec.spec.quantity != "chamber_temperature") return std::nullopt;
  auto sp = condition(s, "temperature_c");
  return sp ? sp : condition(s, "stress_temperature_c");
}

void RunData::ingest(Series& s, const std::vector<db::Sample>& samples) {
  MinMaxHistory* history = history_of(s);
  const bool lane_power = s.rec.spec.lane && s.rec.spec.quantity == "optical_power";
  const auto sp = setpoint(s);
  for (const auto& x : samples) {
    const double h = hours(x.t_s);
    if (history) history->append(h, x.value);
    if (s.t.size() < kMaxKept) {
      s.t.push_back(x.t_s);
      s.v.push_back(x.value);
    }
    s.last_t = x.t_s;
    s.last_v = x.value;
    if (lane_power) {
      first_power_.try_emplace(*s.rec.spec.lane, x.value);
      OpenReading& r = power_open_[h];
      ++r.lanes;
      if (averaged(*s.rec.spec.lane)) {
        r.sum += x.value;
        ++r.counted;
      }
    }
    if (sp) setpoint_->append(h, *sp);
  }
  s.loaded += static_cast<std::int64_t>(samples.size());
  samples_ += static_cast<std::int64_t>(samples.size());
}

void RunData::append_mean(double h, double mean) {
  power_mean_->append(h, mean);
  if (!first_mean_) first_mean_ = mean;
  decay_->append(h, 100.0 * mean / *first_mean_);
}

// A reading is whole once a later one has begun (one record{} of all lanes shares one time, and
// the writer commits records in the order they were made) or once every lane is in. The
// newest reading may be in the store in part, its lanes split over two commits: its mean waits.
void RunData::close_readings() {
  while (!power_open_.empty() && (power_open_.size() > 1 || complete(power_open_.begin()->second))) {
    const auto [h, r] = *power_open_.begin();
    if (r.counted > 0) append_mean(h, r.sum / r.counted);
    power_open_.erase(power_open_.begin());
  }
}

void RunData::judge_lanes() {
  dead_by_result_.clear();
  catastrophic_.clear();
  for (const auto& r : results_) {
    if (!r.lane) continue;
    const json extra = parse_object(r.extra_json);
    if (db::verdict_of(r) == db::Verdict::dead || flag(extra, "dead", false)) dead_by_result_.insert(*r.lane);
    if (r.name == "lane_failed" && flag(extra, "catastrophic", false)) catastrophic_.insert(*r.lane);
  }
}

Status RunData::read_layout(db::Reader& reader) {
  if (run_.dut_serial.empty()) return {};
  auto dut = reader.dut(run_.dut_serial);
  if (!dut) return dut.error().code == Errc::not_found ? Status{} : Status(std::unexpected(dut.error()));
  dut_lanes_ = std::move(dut->lanes);
  layout_read_ = !dut_lanes_.empty();  // not described yet: asked again at the next refresh
  return {};
}

// Series first seen with a long history: each decimated up to the newest sample the series
// list showed, so that what comes later is exactly the samples after it (latest_samples). The
// lanes' optical power shares one grid, so the array mean is the mean of the live lanes' bucket
// means, bucket by bucket.
Status RunData::catch_up(db::Reader& reader, const std::vector<Series*>& behind) {
  std::vector<const db::SeriesRecord*> lanes;
  for (const Series* s : behind)
    if (s->rec.spec.lane && s->rec.spec.quantity == "optical_power") lanes.push_back(&s->rec);
  const auto lane_grid = db::grid_over(lanes, kCatchUpBuckets);
  db::BucketMean mean(kCatchUpBuckets);
  for (Series* s : behind) {
    const bool lane_power = s->rec.spec.lane && s->rec.spec.quantity == "optical_power";
    const auto own = db::grid_over({&s->rec}, kCatchUpBuckets);
    if (!own) continue;  // no sample after all
    const db::BucketGrid grid = lane_power && lane_grid ? *lane_grid : *own;
    MinMaxHistory* history = history_of(*s);
    const auto sp = setpoint(*s);
    std::int64_t n = 0;
    auto st = db::for_each_bucket(reader, s->rec.id, grid, [&](std::size_t k, const db::SampleBucket& b) {
      // The bucket's first and last values at their times and its extremes between them:
      // what a min/max plot draws of it.
      const double t0 = hours(b.t_first), t1 = hours(b.t_last), mid = 0.5 * (t0 + t1);
      if (history) {
        history->append(t0, b.first);
        if (b.n > 2) {
          history->append(mid, b.min);
          history->append(mid, b.max);
        }
        if (b.n > 1) history->append(t1, b.last);
      }
      if (sp) {
        setpoint_->append(t0, *sp);
        setpoint_->append(t1, *sp);
      }
      if (lane_power) first_power_.try_emplace(*s->rec.spec.lane, b.first);  // buckets come in time order
      if (lane_power && averaged(*s->rec.spec.lane)) mean.add(k, b, b.mean);
      s->last_t = b.t_last;
      s->last_v = b.last;
      n += b.n;
    });
    if (!st) return st;
    s->loaded += n;
    samples_ += n;
  }
  // Per cent of the first reading, not of the first bucket's mean: the baseline is the same
  // however late the run is opened.
  if (!first_mean_) {
    double sum = 0;
    int n = 0;
    for (const auto& [lane, w] : first_power_)
      if (averaged(lane)) sum += w, ++n;
    if (n > 0) first_mean_ = sum / n;
  }
  for (std::size_t k = 0; k < mean.buckets(); ++k)
    if (mean.count(k) > 0) append_mean(hours(mean.t_s(k)), mean.mean(k));
  return {};
}

Result<bool> RunData::refresh(db::Reader& reader) {
  // One commit for all of it: read apart, a series' count and its newest samples straddle the
  // writer's commits, and the samples read are then not the ones counted (some twice, some never).
  auto snapshot = reader.read_transaction();
  if (!snapshot) return std::unexpected(snapshot.error());
  if (!layout_read_)
    if (auto st = read_layout(reader); !st) return std::unexpected(st.error());
  bool changed = false;
  // Results first: the lanes they judge dead stay out of the array mean of the samples read next.
  auto results = reader.results(run_.id);
  if (!results) return std::unexpected(results.error());
  if (results->size() != results_.size()) changed = true;
  results_ = std::move(*results);
  const auto judged = std::pair(dead_by_result_, catastrophic_);
  judge_lanes();
  if (samples_ > 0 && judged != std::pair(dead_by_result_, catastrophic_)) {
    // Lanes the array mean has counted are out of it now (a catastrophic failure the results
    // name at the end of a burn-in): every reading's mean again, as a run opened now shows it.
    *this = RunData(run_);
    if (auto again = refresh(reader); !again) return again;
    return true;
  }
  auto series = reader.series(run_.id);
  if (!series) return std::unexpected(series.error());
  std::set<int> power_lanes;
  for (const auto& rec : *series)
    if (rec.spec.lane && rec.spec.quantity == "optical_power") power_lanes.insert(*rec.spec.lane);
  power_lanes_ = static_cast<int>(power_lanes.size());
  std::vector<Series*> behind, fresh;
  for (auto& rec : *series) {
    auto [it, inserted] = series_.try_emplace(rec.id);
    Series& s = it->second;
    if (inserted) {
      s.conditions = parse_object(rec.spec.conditions_json);
      if (s.conditions.contains("stress_temperature_c")) burn_in_ = true;
      changed = true;
    }
    s.rec = rec;
    if (s.loaded == 0 && rec.sample_count > kExactBacklog) behind.push_back(&s);
    else if (rec.sample_count > s.loaded) fresh.push_back(&s);
  }
  if (!behind.empty()) {
    if (auto st = catch_up(reader, behind); !st) return std::unexpected(st.error());
    changed = true;
  }
  for (Series* s : fresh) {
    auto samples = reader.latest_samples(s->rec.id, static_cast<std::size_t>(s->rec.sample_count - s->loaded));
    if (!samples) return std::unexpected(samples.error());
    ingest(*s, *samples);
    changed = true;
  }
  close_readings();
  auto events = reader.events(run_.id, events_.empty() ? 0 : events_.back().id);
  if (!events) return std::unexpected(events.error());
  if (!events->empty()) changed = true;
  events_.insert(events_.end(), events->begin(), events->end());
  if (instruments_.empty() || changed) {
    auto inst = reader.instruments(run_.id);
    if (!inst) return std::unexpected(inst.error());
    if (inst->size() != instruments_.size()) changed = true;
    instruments_ = std::move(*inst);
  }
  return changed;
}

bool RunData::dead_lane(int lane) const {
  if (dead_by_result_.contains(lane)) return true;
  const auto it = first_power_.find(lane);
  return it != first_power_.end() && !(it->second >= dead_below_w_);  // NaN reads as no light
}

bool RunData::averaged(int lane) const { return !dead_lane(lane) && !catastrophic_.contains(lane); }

db::RunVerdict RunData::verdict() const {
  db::VerdictTally tally;
  for (const auto& r : results_) tally.add(r);
  return tally.verdict(run_);
}

int RunData::lane_count() const {
  int lanes = 0;
  for (const auto& [id, s] : series_)
    if (s.rec.spec.lane) lanes = std::max(lanes, *s.rec.spec.lane);
  for (const auto& r : results_)
    if (r.lane) lanes = std::max(lanes, *r.lane);
  return lanes;
}

std::string RunData::last_reading(const std::string& kind) const {
  const Series* newest = nullptr;
  if (kind == "thermal_chamber") {
    for (const auto& [id, s] : series_)
      if (!s.rec.spec.lane && (s.rec.spec.quantity == "chamber_temperature" || s.rec.spec.quantity == "env_air_temperature") &&
          s.loaded > 0 && (!newest || s.last_t > newest->last_t))
        newest = &s;
    return newest ? fmt::format("air {}", format_value(newest->last_v, "C")) : std::string{};
  }
  if (kind == "power_meter" && !power_mean_->empty())
    return fmt::format("array mean {}", format_value(power_mean_->last(), "W"));
  return {};
}

PlotData RunData::chamber_plot() const {
  PlotData p{.title = "Chamber temperature", .x_label = "time", .x_unit = "h", .y_label = "temperature", .y_unit = "C"};
  auto merged = [&](const char* quantity) {
    auto it = laneless_.find(quantity);
    return it == laneless_.end() || it->second.empty() ? std::shared_ptr<const MinMaxHistory>{} : frozen(it->second);
  };
  // The engine's environment log (env_*, every environment_log_s for the whole run) when the
  // run has it; otherwise the sequence's own readings, one per setpoint.
  auto logged_or = [&](const char* logged, const char* own) { auto h = merged(logged); return h ? h : merged(own); };
  if (auto air = logged_or("env_air_temperature", "chamber_temperature")) p.histories.push_back({"chamber air", air});
  if (auto dut = logged_or("env_dut_temperature", "dut_temperature")) p.histories.push_back({"DUT", dut});
  if (auto sp = merged("env_setpoint")) p.histories.push_back({"setpoint", sp, true});
  else if (!setpoint_->empty()) p.histories.push_back({"setpoint", frozen(*setpoint_), true});
  add_excursions(p);
  return p;
}

namespace {

// The air temperature an interlock read when it tripped: the event's data `air_c`, or in runs
// stored before the engine recorded it, the message's wording "<chamber> air 69.20 C is -15.80 C
// from setpoint 85 C (band 2 C)" or "... (air 130.00 C)".
std::optional<double> air_in(const json& data, const std::string& message) {
  if (const auto it = data.find("air_c"); it != data.end())
    return it->is_number() && std::isfinite(it->get<double>()) ? std::optional(it->get<double>()) : std::nullopt;
  const auto at = message.find("air ");
  if (at == std::string::npos) return std::nullopt;
  const char* begin = message.c_str() + at + 4;
  char* end = nullptr;
  const double c = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(c) || std::string_view(end).substr(0, 2) != " C") return std::nullopt;
  return c;
}

}  // namespace

void RunData::add_excursions(PlotData& p) const {
  // The engine logs a trip as an alarm with data {"interlock": name}, and the run going on
  // again as a state event "running: ..." once no hold is left (run_sequence.cpp, RunHost::release).
  Curve seen{"interlock reading"};
  bool open = false;  // the last span has not ended yet
  for (const auto& e : events_) {
    if (!e.t_s) continue;
    const double h = hours(*e.t_s);
    const json data = e.kind == db::EventKind::alarm ? parse_object(e.data_json) : json::object();
    if (data.contains("interlock") && data["interlock"].is_string() && e.message.find("' tripped: ") != std::string::npos) {
      const auto air = air_in(data, e.message);
      if (air) seen.points.push_back({h, *air});
      const std::string name = data["interlock"].get<std::string>();
      const std::string label = air ? fmt::format("interlock '{}': air {}", name, format_value(*air, "C"))
                                    : fmt::format("interlock '{}' tripped", name);
      if (open) continue;  // a second trip during the same hold: its reading, one span
      p.spans.push_back({h, h, label});
      open = true;
    } else if (open && e.kind == db::EventKind::state && e.message.starts_with("running: ")) {
      p.spans.back().x1 = h;
      open = false;
    }
  }
  if (open) {
    // Not over when the log ends: on to the run's end, or to the newest reading of a live run.
    double last_h = p.spans.back().x0;
    for (const auto& hist : p.histories)
      if (hist.data && !hist.data->empty()) last_h = std::max(last_h, hist.data->t_last());
    if (run_.ended_s) last_h = std::max(last_h, hours(*run_.ended_s));
    p.spans.back().x1 = last_h;
  }
  if (!seen.points.empty()) p.curves.push_back(std::move(seen));
}

PlotData RunData::power_plot(int lane) const {
  PlotData p{.title = "Optical power", .x_label = "time", .x_unit = "h", .y_label = "power", .y_unit = "W"};
  if (!power_mean_->empty()) p.histories.push_back({"array mean (live lanes)", frozen(*power_mean_)});
  if (auto it = lane_power_.find(lane); lane > 0 && it != lane_power_.end())
    p.histories.push_back({fmt::format("lane {}", lane), frozen(it->second)});
  return p;
}

PlotData RunData::decay_plot() const {
  PlotData p{.title = "Burn-in power decay", .x_label = "stress time", .x_unit = "h", .y_label = "array mean, % of initial", .y_unit = "%"};
  if (burn_in_ && !decay_->empty()) p.histories.push_back({"array mean", frozen(*decay_)});
  return p;
}

PlotData RunData::ber_plot(int lane) const {
  PlotData p{.title = "BER vs temperature", .x_label = "chamber", .x_unit = "C", .y_label = "BER", .y_unit = "1", .y_log = true};
  // Per temperature and lane: the latest BER and its upper bound.
  std::map<double, std::map<int, std::pair<double, double>>> by_t;  // T -> lane -> (ber, upper)
  for (const auto& [id, s] : series_) {
    if (!s.rec.spec.lane || s.loaded == 0) continue;
    const bool ber = s.rec.spec.quantity == "ber", upper = s.rec.spec.quantity == "ber_upper";
    if (!ber && !upper) continue;
    const auto t = condition(s, "temperature_c");
    if (!t) continue;
    auto& cell = by_t[*t].try_emplace(*s.rec.spec.lane, std::nan(""), std::nan("")).first->second;
    (ber ? cell.first : cell.second) = s.last_v;
  }
  if (by_t.empty()) return p;
  // Most lanes count no error at all, so their BER is only a bound: the typical lane is
  // shown by its upper bound, the worst live lane by its estimate and confidence bar.
  Curve typical{"median lane, upper bound"}, worst{"worst live lane"}, one{fmt::format("lane {}", lane)};
  for (const auto& [t, lanes] : by_t) {
    std::vector<double> u;
    std::optional<PlotPoint> w;
    for (const auto& [l, v] : lanes) {
      const auto [ber, upper] = v;
      if (upper > 0) u.push_back(upper);
      const double shown = ber > 0 ? ber : upper;
      const PlotPoint point{t, shown, upper > 0 ? std::optional(upper) : std::nullopt};
      if (shown > 0 && ber < kDeadLaneBer && !dead_lane(l) && (!w || shown > w->y)) w = point;
      if (l == lane && shown > 0) one.points.push_back(point);
    }
    if (!u.empty()) typical.points.push_back({t, median(u)});
    if (w) worst.points.push_back(*w);
  }
  for (auto* c : {&typical, &worst, &one})
    if (!c->points.empty()) p.curves.push_back(std::move(*c));
  return p;
}

PlotData RunData::frequency_plot(int lane) const {
  PlotData p{.title = "Frequency response", .x_label = "modulation frequency", .x_unit = "Hz", .y_label = "response", .y_unit = "dB", .x_log = true};
  // The lane-less frequency series that goes with a drive current (or the only one).
  auto frequencies = [&](std::optional<double> current) -> const Series* {
    const Series* any = nullptr;
    for (const auto& [id, s] : series_) {
      if (s.rec.spec.lane || s.rec.spec.quantity != "modulation_frequency") continue;
      if (current && condition(s, "drive_current_a") == current) return &s;
      any = any ? any : &s;
    }
    return any;
  };
  const int shown = lane > 0 ? lane : 1;
  for (const auto& [id, s] : series_) {
    if (s.rec.spec.lane != shown || s.rec.spec.quantity != "mod_amplitude" || s.v.empty()) continue;
    const auto current = condition(s, "drive_current_a");
    const Series* f = frequencies(current);
    if (!f) continue;
    Curve c{current ? fmt::format("lane {} at {}", shown, format_value(*current, "A")) : fmt::format("lane {}", shown)};
    c.markers = false;
    const double ref = s.v.front() > 0 ? s.v.front() : 1;
    for (std::size_t k = 0; k < std::min(s.v.size(), f->v.size()); ++k)
      if (s.v[k] > 0 && f->v[k] > 0) c.points.push_back({f->v[k], 20 * std::log10(s.v[k] / ref)});
    if (!c.points.empty()) p.curves.push_back(std::move(c));
  }
  for (const auto& r : results_)
    if (r.name == "f3db_hz" && r.lane == shown && r.value > 0 && db::verdict_of(r) != db::Verdict::dead) {
      const json extra = parse_object(r.extra_json);
      const std::string at = extra.contains("drive_current_a") && extra["drive_current_a"].is_number()
                                 ? " at " + format_value(extra["drive_current_a"].get<double>(), "A")
                                 : "";
      // An unresolved f3dB is the analysis' estimate beyond what the sweep shows: said so.
      const std::string value = db::qualified(r.qualifier, format_value(r.value, "Hz"));
      p.markers.push_back({r.value, flag(extra, "resolved", true) ? fmt::format("f3dB {}{}", value, at)
                                                                  : fmt::format("f3dB not resolved ({}){}", value, at)});
    }
  return p;
}

std::vector<PlotData> RunData::plots(int lane) const {
  std::vector<PlotData> plots{chamber_plot(), power_plot(lane), ber_plot(lane), frequency_plot(lane)};
  if (burn_in_) plots.push_back(decay_plot());
  return plots;
}

LaneMap RunData::lane_map() const {
  LaneMap map;
  // The DUT's lanes table when it places every lane the run has, else the station's grid.
  const int used = lane_count();
  const auto layout = viz::LaneLayout::from_table(dut_lanes_, used);
  const int lanes = layout ? used : std::max(used, rows_ * cols_);
  if (lanes <= 0) return map;
  if (layout) {
    map.rows = layout->rows();
    map.cols = layout->cols();
  } else {
    map.cols = cols_ > 0 && rows_ * cols_ >= lanes ? cols_ : static_cast<int>(std::ceil(std::sqrt(lanes)));
    map.rows = (lanes + map.cols - 1) / map.cols;
  }
  const auto n = static_cast<std::size_t>(map.rows * map.cols);
  auto metric = [&](std::string name, std::string unit, bool log_scale, bool verdict) {
    return LaneMetric{std::move(name), std::move(unit), log_scale, verdict, std::vector<std::optional<double>>(n),
                      std::vector<LaneMark>(n, LaneMark::none), std::vector<db::Qualifier>(n, db::Qualifier::exact)};
  };
  auto index = [](int lane) { return static_cast<std::size_t>(lane - 1); };
  auto at = [&](LaneMetric& m, int lane) -> std::optional<double>& { return m.values[index(lane)]; };
  auto set = [&](LaneMetric& m, const db::ResultRecord& r) {
    at(m, *r.lane) = r.value;
    m.qualifiers[index(*r.lane)] = r.qualifier;
  };
  auto in_map = [&](std::optional<int> lane) { return lane && *lane >= 1 && static_cast<std::size_t>(*lane) <= n; };

  // Optical power: each lane's newest reading.
  LaneMetric power = metric("optical power", "W", false, false);
  std::vector<double> power_t(n, -1e300);
  for (const auto& [id, s] : series_)
    if (s.rec.spec.quantity == "optical_power" && in_map(s.rec.spec.lane) && s.loaded > 0 &&
        s.last_t >= power_t[index(*s.rec.spec.lane)]) {
      power_t[index(*s.rec.spec.lane)] = s.last_t;
      at(power, *s.rec.spec.lane) = s.last_v;
    }
  // From results: the latest per lane, or the worst for BER.
  LaneMetric f3db = metric("f3dB", "Hz", false, false);
  LaneMetric ber = metric("BER upper bound", "1", true, false);
  LaneMetric decay = metric("decay rate", "%/kh", false, false);
  LaneMetric l70 = metric("L70", "h", true, false);
  LaneMetric verdict = metric("pass/fail", "", false, true);
  LaneMetric alive = metric("failed lanes", "", false, true);
  for (const auto& r : results_) {
    if (!in_map(r.lane)) continue;
    const int lane = *r.lane;
    const json extra = parse_object(r.extra_json);
    if (r.name == "f3db_hz") {
      set(f3db, r);
      // A lane whose roll-off the sweep did not reach has a bound or a guess, not a value.
      f3db.marks[index(lane)] = flag(extra, "resolved", true) ? LaneMark::none : LaneMark::unresolved;
    } else if (r.name == "ber_upper" && r.value > 0) {
      if (r.value >= at(ber, lane).value_or(0)) set(ber, r);
    } else if (r.name == "decay_rate_pct_per_kh") {
      set(decay, r);
    } else if (r.name == "l70_h" && r.value > 0) {
      set(l70, r);
    }
    if (const auto v = db::verdict_of(r); v == db::Verdict::pass || v == db::Verdict::fail)
      at(verdict, lane) = std::min(at(verdict, lane).value_or(1), v == db::Verdict::pass ? 1.0 : 0.0);
    at(alive, lane) = std::min(at(alive, lane).value_or(1), r.name == "lane_failed" && r.value >= 0.5 ? 0.0 : 1.0);
  }
  for (auto* m : {&power, &f3db, &ber, &decay, &l70, &verdict, &alive}) {
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
      const int lane = static_cast<int>(i) + 1;
      // Dead lanes are dead on every map; a catastrophic burn-in failure is no parametric
      // failure, and its power, decay rate and lifetime are not the population's (TM-21).
      if (dead_lane(lane)) m->marks[i] = LaneMark::dead;
      else if (catastrophic_.contains(lane)) m->marks[i] = LaneMark::catastrophic;
      const auto& v = m->values[i];
      switch (m->marks[i]) {
        case LaneMark::dead: ++m->counts.dead; continue;
        case LaneMark::catastrophic: ++m->counts.catastrophic; continue;
        case LaneMark::unresolved: ++m->counts.unresolved; continue;
        case LaneMark::none: break;
      }
      if (!v || (m->log_scale && !(*v > 0)) || !std::isfinite(*v)) continue;
      ++(m->verdict && *v < 0.5 ? m->counts.failed : m->counts.good);
      m->lo = any ? std::min(m->lo, *v) : *v;
      m->hi = any ? std::max(m->hi, *v) : *v;
      any = true;
    }
    if (any || m->counts.unresolved > 0 || m->counts.catastrophic > 0) map.metrics.push_back(std::move(*m));
  }
  return map;
}

}  // namespace ledlab::gui
