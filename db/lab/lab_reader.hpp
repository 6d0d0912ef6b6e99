#pragma once
// Reading the lab database (issue 19): every station's runs, listed straight from PostgreSQL,
// and one run (or batch) copied back into a private store of the local schema with the
// station's own ids (run, series, result, event ids; chunk bytes as stored), so that `show`,
// `export`, `report` and the dashboard run their local code unchanged and print the same as
// against the station's file. Reads only: the lab's reader role is enough.
#include "db/lab_access.hpp"
#include "db/lab/pg.hpp"
#include "db/reader.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::db::lab {

// The runs matching `filter`, newest first (its batch_id, a local id, is ignored: name the
// batch by its uuid, or a unique prefix, in `batch`). Status is what the station last shipped.
// The listing leaves out script_text and the stored station configuration (find_lab_run has them).
Result<std::vector<LabRun>> list_lab_runs(PgConnection& lab, const RunFilter& filter, std::string_view batch = {});
// A full run uuid or a prefix unique across all stations. Errors: not_found; invalid_argument
// when ambiguous, naming the candidates and their stations.
Result<LabRun> find_lab_run(PgConnection& lab, std::string_view uuid_or_prefix);
// The same for a batch: its full uuid.
Result<std::string> find_lab_batch(PgConnection& lab, std::string_view uuid_or_prefix);

// Writes `run` into a new store at `sqlite_path` (which must not exist): its batch, DUT and
// lanes, instruments, series, chunks, results, events, checkpoints and what a resume set aside.
Status materialise_run(PgConnection& lab, const LabRun& run, const std::filesystem::path& sqlite_path);
// A batch and every run of it.
Status materialise_batch(PgConnection& lab, std::string_view batch_uuid, const std::filesystem::path& sqlite_path);

// A private directory holding a copy made from the lab; removed with everything in it.
class LabCopyDir {
 public:
  static Result<LabCopyDir> create();
  LabCopyDir(LabCopyDir&& other) noexcept : dir_(std::exchange(other.dir_, {})) {}
  LabCopyDir& operator=(LabCopyDir&&) = delete;
  ~LabCopyDir();
  std::filesystem::path store() const { return dir_ / "lab-copy.sqlite"; }

 private:
  explicit LabCopyDir(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

// Connects as a reader (the schema must be this build's) and copies the run, or the batch,
// named by `key` into a fresh LabCopyDir.
Result<LabCopy> copy_from_lab(const std::string& url, const std::string& key, bool batch);
// What `ledlab runs|show|export --lab` use (db/cli.hpp).
LabAccess lab_access();

}  // namespace ledlab::db::lab
