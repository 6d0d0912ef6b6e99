#include "gui/core/data_source.hpp"

#include "db/ownership.hpp"
#include "db/reader.hpp"
#include "engine/lua/sequence_script.hpp"
#include "engine/run/control_endpoint.hpp"
#include "engine/run/control_sender.hpp"
#include "engine/station_config.hpp"
#include "gui/core/compare.hpp"
#include "gui/core/run_data.hpp"
#include "gui/core/run_launcher.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include <unistd.h>

namespace ledlab::gui {

std::string Model::state() const {
  if (live.attached) return live.engine.state;
  return run ? std::string(db::to_string(run->status)) : "no run";
}

// Everything the data thread owns; touched by that thread only.
class DataSource::Worker {
 public:
  explicit Worker(SourceOptions options) : options_(std::move(options)) {
    model_.db_path = options_.db.string();
    model_.station_file = options_.station.string();
    if (lab_mode()) {
      model_.lab = options_.lab_access.redact ? options_.lab_access.redact(options_.lab) : std::string("lab database");
      model_.lab_filter = options_.lab_filter;
    }
    load_station();
    load_sequences();
    if (options_.attach) follow_uuid_ = *options_.attach;
  }

  void execute(const Command& command) {
    const std::string before = model_.notice;
    std::visit([this](const auto& c) { handle(c); }, command);
    if (model_.notice != before || std::holds_alternative<Steer>(command) || std::holds_alternative<StartRun>(command))
      about_notice(command);
  }

  // One poll: store, control endpoint; returns the model to publish.
  std::shared_ptr<const Model> poll() {
    if (lab_mode()) poll_lab();
    else if (!reader_) open_store();
    // One read transaction for the poll: the runs list and the run on display from one commit.
    std::optional<db::ReadTransaction> snapshot;
    if (reader_) {
      if (auto tx = reader_->read_transaction(); tx) snapshot.emplace(std::move(*tx));
      else model_.store_error = tx.error().describe();
    }
    if (snapshot) {
      if (!lab_mode()) refresh_runs();
      if (compare_pending_ || compared_stale(*model_.compared, model_.runs)) load_compared_runs();
      if (data_) {
        if (auto changed = data_->refresh(*reader_); !changed) {
          model_.store_error = changed.error().describe();
        } else if (*changed || lane_changed_) {
          model_.plots = data_->plots(model_.selected_lane);
          model_.lanes = data_->lane_map();
          lane_changed_ = false;
        }
        model_.events = data_->events();
        model_.results = data_->results();
        model_.verdict = data_->verdict();
        model_.samples = data_->samples();
      }
    }
    snapshot.reset();
    poll_control();
    if (child_)
      if (auto code = reap(child_->pid)) {  // no zombie; the store says how a run that began ended
        if (*code != 0 && launched_uuid_.empty()) {
          model_.notice = fmt::format("the run did not start (ledlab run exited with {}); see {}", *code,
                                      launched_log_ ? launched_log_->string() : "its log");
          notice_about_shown_run();
        }
        child_.reset();
      }
    clear_stale_notice();
    ++model_.generation;
    return std::make_shared<const Model>(model_);
  }

 private:
  bool lab_mode() const { return !options_.lab.empty(); }

  // The lab's runs list, read again when due (a filter, a run to open, every lab_refresh_s);
  // a run to open is copied out of the lab and shown from that copy like a local run.
  void poll_lab() {
    const auto now = std::chrono::steady_clock::now();
    if (lab_listed_ || now >= lab_next_list_) {
      lab_listed_ = false;
      lab_next_list_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(std::max(options_.lab_refresh_s, 0.5)));
      list_lab_runs();
    }
    if (!follow_uuid_.empty()) open_lab_run(std::exchange(follow_uuid_, {}));
  }

  void list_lab_runs() {
    if (!options_.lab_access.list_runs) {
      model_.store_error = "this dashboard was built without the lab database";
      return;
    }
    db::RunFilter filter = model_.lab_filter;
    if (filter.limit == 0) filter.limit = 200;
    auto runs = options_.lab_access.list_runs(options_.lab, filter, "");
    if (!runs) {
      model_.store_error = runs.error().describe();
      return;
    }
    model_.store_error.clear();
    model_.runs.clear();
    model_.run_stations.clear();
    for (auto& r : *runs) {
      model_.runs.push_back(std::move(r.run));
      model_.run_stations.push_back(std::move(r.station));
    }
  }

  void open_lab_run(const std::string& uuid) {
    if (!options_.lab_access.copy) return;
    auto copy = options_.lab_access.copy(options_.lab, uuid, false);
    if (!copy) {
      model_.notice = copy.error().describe();
      return;
    }
    auto reader = db::Reader::open(copy->store);
    auto run = reader ? reader->find_run(copy->uuid) : Result<db::RunRecord>(std::unexpected(reader.error()));
    if (!run) {
      model_.notice = run.error().describe();
      return;
    }
    // The run on display reads the new copy; the previous copy goes with its reader.
    data_.reset();
    reader_.emplace(std::move(*reader));
    lab_copy_ = std::move(*copy);
    show(*run);
  }

  void load_station() {
    if (options_.station.empty()) return;
    auto station = engine::load_station(options_.station);
    if (!station) {
      model_.notice = station.error().describe();
      return;
    }
    model_.station_name = station->name;
    for (const auto& inst : station->instruments)
      idle_instruments_.push_back({.name = inst.name, .kind = inst.kind, .driver = inst.driver,
                                   .address = inst.address, .link = "not connected"});
    model_.instruments = idle_instruments_;
  }

  void load_sequences() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(options_.sequences_dir, ec)) {
      if (entry.path().extension() != ".lua") continue;
      SequenceEntry s{entry.path().string(), entry.path().stem().string()};
      auto script = lua::SequenceScript::load_file(entry.path());
      auto params = script ? script->parameters() : Result<std::vector<lua::ParamDecl>>(std::unexpected(script.error()));
      if (params) s.params = std::move(*params);
      else s.error = params.error().describe();
      model_.sequences.push_back(std::move(s));
    }
    std::sort(model_.sequences.begin(), model_.sequences.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  }

  void open_store() {
    if (!std::filesystem::exists(options_.db)) {
      model_.store_error = fmt::format("store {}: no such file yet", options_.db.string());
      return;
    }
    auto reader = db::Reader::open(options_.db);
    if (!reader) {
      model_.store_error = reader.error().describe();
      return;
    }
    reader_.emplace(std::move(*reader));
    model_.store_error.clear();
  }

  void refresh_runs() {
    auto runs = reader_->list_runs({.limit = 200});
    if (!runs) {
      model_.store_error = runs.error().describe();
      return;
    }
    model_.store_error.clear();
    model_.runs = std::move(*runs);
    // A run whose process is gone (killed, the machine rebooted) is interrupted now, not when a
    // writer next opens the store: the owner recorded with it says so (db/ownership.hpp).
    for (auto& r : model_.runs) r.status = db::observed_status(r);
    // The run our child process created, once it is in the store.
    if (child_ && follow_uuid_.empty())
      for (const auto& r : model_.runs)
        if (r.owner_pid == child_->pid) follow_uuid_ = launched_uuid_ = r.uuid;
    if (!follow_uuid_.empty()) {
      auto it = std::find_if(model_.runs.begin(), model_.runs.end(), [&](const auto& r) { return r.uuid.starts_with(follow_uuid_); });
      if (it != model_.runs.end()) {
        if (!data_ || data_->run().id != it->id) show(*it);
        follow_uuid_.clear();
      }
    }
    if (data_) {
      auto it = std::find_if(model_.runs.begin(), model_.runs.end(), [&](const auto& r) { return r.id == data_->run().id; });
      if (it != model_.runs.end()) {
        data_->set_run(*it);
        model_.run = *it;
      }
    }
  }

  void show(const db::RunRecord& run) {
    data_ = std::make_unique<RunData>(run);
    if (options_.station.empty()) model_.station_name = data_->station_name();
    model_.run = run;
    model_.verdict.reset();
    model_.plots.clear();
    model_.lanes = {};
    model_.live = {};
    lane_changed_ = true;
  }

  // The engine's own view of the run, if it still answers.
  void poll_control() {
    if (!model_.run || model_.run->status != db::RunStatus::running) {
      model_.live.attached = false;
      model_.live.engine.state = model_.run ? std::string(db::to_string(model_.run->status)) : "";
      if (model_.run) {
        model_.live.engine.elapsed_s = model_.run->ended_s.value_or(model_.run->started_s) - model_.run->started_s;
        model_.live.engine.step.clear();
      }
      if (data_) station_from_store();
      return;
    }
    LiveView live;
    auto reply = engine::send_control(model_.run->uuid, "snapshot");
    if (reply && !reply->starts_with("error")) {
      auto j = nlohmann::json::parse(*reply, nullptr, false);
      if (auto snap = engine::snapshot_from_json(j); snap) {
        live.attached = live.snapshot = true;
        live.engine = std::move(*snap);
      } else {
        live.control_error = snap.error().message;
      }
    }
    if (!live.snapshot) {
      // An engine without `snapshot`: its state from `status`, the rest from the store and log.
      auto status = engine::send_control(model_.run->uuid, "status");
      if (status && !status->starts_with("error")) {
        live.attached = true;
        live.engine.state = *status == "aborting" ? "aborting" : *status;
      } else if (!status) {
        live.control_error = status.error().message;
      }
      live.engine.run_uuid = model_.run->uuid;
      live.engine.sequence = model_.run->sequence;
      if (launched_log_ && launched_uuid_ == model_.run->uuid)
        if (auto p = last_progress(*launched_log_)) std::tie(live.engine.progress, live.engine.step) = *p;
    }
    if (!live.snapshot) {
      const auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      live.engine.elapsed_s = now - model_.run->started_s;
    }
    model_.live = std::move(live);
    if (model_.live.snapshot) model_.instruments = model_.live.engine.instruments;
    else station_from_store();
  }

  void station_from_store() {
    if (!data_ || data_->instruments().empty()) {
      model_.instruments = idle_instruments_;
      return;
    }
    model_.instruments.clear();
    for (const auto& i : data_->instruments())
      model_.instruments.push_back({.name = i.name, .kind = i.kind, .address = i.resource, .idn = i.idn,
                                    .link = model_.live.attached ? "connected" : "closed (run ended)",
                                    .last_reading = data_->last_reading(i.kind)});
  }

  void handle(const StartRun& start) {
    if (refused_in_lab("cannot start")) return;
    const std::filesystem::path station = start.station.empty() ? options_.station : std::filesystem::path(start.station);
    if (station.empty()) {
      model_.notice = "cannot start: no station file (fill in the station field or give --station)";
      return;
    }
    // Refused here, in words, rather than by a child whose output nobody reads.
    if (std::error_code ec; !std::filesystem::is_regular_file(station, ec)) {
      model_.notice = fmt::format("cannot start: station file {}: no such file", station.string());
      return;
    }
    auto launched = launch_run({.ledlab = options_.ledlab, .script = start.script, .station = station,
                                .db = options_.db, .simulate = start.simulate, .params = start.params,
                                .dut_serial = start.dut_serial, .operator_name = start.operator_name});
    if (!launched) {
      model_.notice = launched.error().describe();
      return;
    }
    child_ = *launched;
    launched_log_ = launched->log;
    launched_uuid_.clear();
    follow_uuid_.clear();
    model_.notice = fmt::format("started {} (pid {}), log {}", start.script, launched->pid, launched->log.string());
  }

  // A run of the lab database is another station's: it is read here, never started or steered.
  bool refused_in_lab(std::string_view what) {
    if (!lab_mode()) return false;
    model_.notice = fmt::format("{}: the dashboard browses the lab database (read only)", what);
    return true;
  }

  void handle(const FilterRuns& f) {
    model_.lab_filter = f.filter;
    lab_listed_ = true;
    if (!lab_mode()) model_.notice = "filters apply to the lab database's runs (ledlab gui --lab)";
  }

  void handle(const Steer& steer) {
    if (refused_in_lab(steer.command)) return;
    if (!model_.run) {
      model_.notice = fmt::format("{}: no run on display", steer.command);
      return;
    }
    // The run's event log names who steered it: this user, host and process, via the dashboard.
    auto reply = engine::send_control(model_.run->uuid, engine::control_line(steer.command, engine::this_process("dashboard")));
    model_.notice = reply ? fmt::format("{} {}: {}", steer.command, model_.run->uuid.substr(0, 8), *reply)
                          : fmt::format("{} {}: {}", steer.command, model_.run->uuid.substr(0, 8), reply.error().message);
  }

  void handle(const Answer& answer) {
    if (refused_in_lab("answer")) return;
    if (!model_.run) {
      model_.notice = "answer: no run on display";
      return;
    }
    // As a steer: the run's event log names who answered, via the dashboard.
    auto reply = engine::send_control(model_.run->uuid,
                                      engine::control_line("answer", answer.choice, engine::this_process("dashboard")));
    model_.notice = reply ? fmt::format("answer {}: {}", model_.run->uuid.substr(0, 8), *reply)
                          : fmt::format("answer {}: {}", model_.run->uuid.substr(0, 8), reply.error().message);
  }

  void handle(const OpenRun& open) { follow_uuid_ = open.uuid; }

  // A command's notice is about the run on display when it was given (a start: about the run it
  // launches, once the store has it). It goes when that run ends or another run is shown: a
  // "paused" or an error about a run no longer on screen would mislead.
  void about_notice(const Command& command) {
    if (std::holds_alternative<StartRun>(command) && child_ && launched_uuid_.empty()) {
      notice_about_.reset();
      notice_awaits_launch_ = true;
    } else {
      notice_about_shown_run();
    }
  }

  void notice_about_shown_run() {
    notice_about_ = model_.run ? model_.run->uuid : std::string();
    notice_awaits_launch_ = false;
    notice_run_running_ = model_.run && model_.run->status == db::RunStatus::running;
  }

  void clear_stale_notice() {
    if (notice_awaits_launch_ && !launched_uuid_.empty()) {
      notice_about_ = launched_uuid_;
      notice_awaits_launch_ = false;
      notice_run_running_ = true;
    }
    if (!notice_about_) return;
    const std::string shown = model_.run ? model_.run->uuid : std::string();
    const bool ended = notice_run_running_ && model_.run && model_.run->uuid == *notice_about_ &&
                       model_.run->status != db::RunStatus::running;
    if (shown != *notice_about_ || ended) {
      model_.notice.clear();
      notice_about_.reset();
    }
  }

  // Read at the next poll, once the store is open.
  void handle(const CompareRuns& compare) {
    // Each lab run is a copy of its own: comparing them would need them in one store.
    if (!compare.uuids.empty() && refused_in_lab("compare")) return;
    compare_uuids_ = compare.uuids;
    compare_pending_ = true;
  }

  // The runs picked for comparison with their results, read again when one of them ends.
  void load_compared_runs() {
    compare_pending_ = false;
    auto compared = compare_uuids_.empty() ? Result<std::vector<ComparedRun>>() : load_compared(*reader_, compare_uuids_);
    if (!compared) {
      model_.notice = compared.error().describe();
      return;
    }
    model_.compared = std::make_shared<const std::vector<ComparedRun>>(std::move(*compared));
  }

  void handle(const SelectLane& select) {
    model_.selected_lane = select.lane;
    lane_changed_ = true;
    if (data_) model_.plots = data_->plots(select.lane);
  }

  SourceOptions options_;
  Model model_;
  db::LabCopy lab_copy_;  // the lab run on display, copied (declared before reader_: outlives it)
  std::optional<db::Reader> reader_;
  std::unique_ptr<RunData> data_;
  bool lab_listed_ = true;  // list the lab's runs at the next poll
  std::chrono::steady_clock::time_point lab_next_list_{};
  std::vector<engine::InstrumentStatus> idle_instruments_;
  std::optional<Launched> child_;
  std::optional<std::filesystem::path> launched_log_;
  std::string launched_uuid_, follow_uuid_;
  std::optional<std::string> notice_about_;  // uuid of the run the notice is about ("": none shown)
  bool notice_awaits_launch_ = false, notice_run_running_ = false;
  std::vector<std::string> compare_uuids_;
  bool compare_pending_ = false;
  bool lane_changed_ = false;
};

DataSource::DataSource(SourceOptions options) {
  const auto period = std::chrono::duration<double>(1.0 / std::max(options.poll_hz, 0.1));
  if (options.start) queue_.push_back(*options.start);
  auto on_publish = std::move(options.on_publish);
  worker_ = std::make_unique<Worker>(std::move(options));
  model_ = std::make_shared<const Model>();
  thread_ = std::jthread([this, period, on_publish = std::move(on_publish)](std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::deque<Command> commands;
      {
        std::lock_guard lock(mutex_);
        commands.swap(queue_);
      }
      for (const auto& c : commands) worker_->execute(c);
      auto next = worker_->poll();
      {
        std::lock_guard lock(mutex_);
        model_ = std::move(next);
      }
      if (on_publish) on_publish();
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, std::chrono::duration_cast<std::chrono::milliseconds>(period), [this] { return !queue_.empty(); });
    }
  });
}

DataSource::~DataSource() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const Model> DataSource::model() const {
  std::lock_guard lock(mutex_);
  return model_;
}

void DataSource::push(Command command) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(command));
  }
  wake_.notify_all();
}

}  // namespace ledlab::gui
