#pragma once
// One run's data as the dashboard keeps it: read incrementally from the store (new series,
// new samples per series, new events, the results), held at bounded memory (each series as
// min/max histories per lane-less quantity and per lane, plus the first samples of each series
// exactly), and turned into plots and lane maps. A series first seen with more samples than a
// poll brings (a long run opened, not followed from its start) is read decimated
// (Reader::decimate, kCatchUpBuckets buckets: more than a plot has pixel columns), the array
// mean from the lanes' bucket means on one grid; from then on new samples are read exactly.
// Owned by the data thread only.
#include "db/reader.hpp"
#include "gui/core/model.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace ledlab::gui {

class RunData {
 public:
  explicit RunData(db::RunRecord run);

  // Reads what the store has gained since the last call, all of it from one commit (one read
  // transaction): the series' sample counts and the samples they count, the results and the
  // samples they judge. Returns whether anything changed.
  Result<bool> refresh(db::Reader& reader);

  const db::RunRecord& run() const { return run_; }
  const std::string& station_name() const { return station_name_; }
  void set_run(db::RunRecord run) { run_ = std::move(run); }
  const std::vector<db::EventRecord>& events() const { return events_; }
  const std::vector<db::ResultRecord>& results() const { return results_; }
  const std::vector<db::InstrumentRecord>& instruments() const { return instruments_; }
  std::int64_t samples() const { return samples_; }

  // Plots and the lane map for the run, `lane` selected (0: the array as a whole).
  std::vector<PlotData> plots(int lane) const;
  LaneMap lane_map() const;
  // The run's verdict and what it is built from, by the one model `ledlab show` uses
  // (db/verdict.hpp); a run that did not finish has none.
  db::RunVerdict verdict() const;
  // Dead lanes as the run's sequence defines them (db/SCHEMA.md, sequences' dead_below_w): a
  // first optical power reading under the run's dead threshold, or a result with verdict
  // "dead". Decided once per lane, so a dark lane's noise never moves it in and out of means.
  bool dead_lane(int lane) const;
  double dead_below_w() const { return dead_below_w_; }
  // In the array mean: not dead and, once the results say so, not a catastrophic failure
  // (TM-21 and LM-80 leave those out of the population; a run followed live has them in the
  // mean until its results arrive).
  bool averaged(int lane) const;
  // Last readings the store shows for an instrument kind ("air 25.1 C"), for the station panel.
  std::string last_reading(const std::string& kind) const;

 private:
  struct Series {
    db::SeriesRecord rec;
    nlohmann::json conditions;
    std::int64_t loaded = 0;
    std::vector<double> t, v;  // the first kMaxKept samples, exactly (sweeps are short); none when decimated
    double last_t = 0, last_v = 0;
  };
  static constexpr std::size_t kMaxKept = 1024;
  // A series first seen with more samples than this is read decimated, into this many buckets.
  static constexpr std::int64_t kExactBacklog = 4096;
  static constexpr std::size_t kCatchUpBuckets = 2048;
  // Bounded history sizes: a weeks-long burn-in of 400 lanes stays near 20 MB.
  static constexpr std::size_t kLanelessBuckets = std::size_t{1} << 14;
  static constexpr std::size_t kLaneBuckets = 256;

  void ingest(Series& s, const std::vector<db::Sample>& samples);
  Status catch_up(db::Reader& reader, const std::vector<Series*>& behind);
  MinMaxHistory* history_of(const Series& s);
  void append_mean(double h, double mean);
  // The lanes the results take out of the array mean (dead, catastrophic), from results_.
  void judge_lanes();
  // A reading of the array's optical power at one time: the counted lanes' sum, and every
  // lane read (dead ones too), to tell a reading the writer has committed in part.
  struct OpenReading {
    double sum = 0;
    int counted = 0, lanes = 0;
  };
  bool complete(const OpenReading& r) const { return r.lanes >= power_lanes_; }
  void close_readings();
  // The DUT's lanes table from the store, when the run names a DUT the store describes.
  Status read_layout(db::Reader& reader);
  double hours(double t_s) const { return (t_s - run_.started_s) / 3600.0; }
  std::optional<double> condition(const Series& s, const char* key) const;
  std::optional<double> setpoint(const Series& s) const;  // of a chamber series, from its conditions
  PlotData chamber_plot() const;
  // The interlock excursions in the event log, on the chamber plot: shaded from trip to resume,
  // and the temperature the interlock read when it tripped.
  void add_excursions(PlotData& p) const;
  PlotData power_plot(int lane) const;
  PlotData decay_plot() const;
  PlotData ber_plot(int lane) const;
  PlotData frequency_plot(int lane) const;
  int lane_count() const;  // the highest lane the run's series and results name

  db::RunRecord run_;
  std::string station_name_;
  int rows_ = 0, cols_ = 0;  // the station's simulated array
  std::vector<db::LaneRecord> dut_lanes_;
  std::map<db::SeriesId, Series> series_;
  std::vector<db::EventRecord> events_;
  std::vector<db::ResultRecord> results_;
  std::vector<db::InstrumentRecord> instruments_;
  std::int64_t samples_ = 0;
  // Array mean of the lanes' optical power per timestamp; the newest timestamp stays open
  // until a later one arrives (one read of all lanes shares a time).
  // Each lane-less quantity over all its series (one series per setpoint), and each lane's
  // optical power over all conditions; copied when published (the model is immutable).
  std::map<std::string, MinMaxHistory> laneless_;
  std::map<int, MinMaxHistory> lane_power_;
  std::shared_ptr<MinMaxHistory> power_mean_ = std::make_shared<MinMaxHistory>(kLanelessBuckets);
  std::shared_ptr<MinMaxHistory> setpoint_ = std::make_shared<MinMaxHistory>(kLanelessBuckets);
  std::map<double, OpenReading> power_open_;
  int power_lanes_ = 0;  // lanes with an optical power series
  std::optional<double> first_mean_;
  std::shared_ptr<MinMaxHistory> decay_ = std::make_shared<MinMaxHistory>(kLanelessBuckets);
  bool burn_in_ = false;
  double dead_below_w_;
  std::map<int, double> first_power_;  // lane -> its first optical power reading
  std::set<int> dead_by_result_, catastrophic_;
  bool layout_read_ = false;
};

}  // namespace ledlab::gui
