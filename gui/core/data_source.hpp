#pragma once
// The dashboard's data thread: the only place that reads the store and talks to a run's
// control endpoint. It polls (about 4 Hz), publishes an immutable Model for the render
// thread, and executes the commands the render thread queues (start, pause, resume, abort,
// open a run, select a lane). The render thread never waits on it for more than a pointer swap.
#include "db/lab_access.hpp"
#include "gui/core/model.hpp"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace ledlab::gui {

struct SourceOptions {
  std::filesystem::path db;
  std::filesystem::path station;         // for starting runs and the idle station panel
  std::filesystem::path sequences_dir;   // where the run-control panel lists *.lua
  std::filesystem::path ledlab;          // executable that runs sequences
  std::optional<std::string> attach;     // run uuid (prefix) to follow at start
  // Browse the lab database (PostgreSQL URL) instead of `db`: every station's runs, listed with
  // `lab_filter` and opened as private copies (db/lab/lab_reader.hpp) shown as local runs. Read
  // only: nothing is started or steered. `lab_access` is how (db::lab::lab_access()).
  std::string lab;
  db::LabAccess lab_access;
  db::RunFilter lab_filter;
  double lab_refresh_s = 10;             // how often the lab's runs list is read again
  std::optional<StartRun> start;         // run to start at start
  double poll_hz = 4;
  std::function<void()> on_publish;      // on the data thread after each new model: wakes the render thread
};

class DataSource {
 public:
  explicit DataSource(SourceOptions options);
  ~DataSource();  // stops the thread; runs it started keep running
  DataSource(const DataSource&) = delete;
  DataSource& operator=(const DataSource&) = delete;

  std::shared_ptr<const Model> model() const;
  void push(Command command);

 private:
  class Worker;
  mutable std::mutex mutex_;
  std::shared_ptr<const Model> model_;
  std::deque<Command> queue_;
  std::condition_variable_any wake_;
  std::unique_ptr<Worker> worker_;
  std::jthread thread_;
};

}  // namespace ledlab::gui
