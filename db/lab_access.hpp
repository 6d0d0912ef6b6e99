#pragma once
// What reading the lab database (issue 19) offers the store's readers (`ledlab runs|show|
// export --lab`, the dashboard's run browser). ledlab_db does not link libpq: the program
// hands these in (db::lab::lab_access(), db/lab/lab_reader.hpp); without them --lab is refused.
#include "db/reader.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ledlab::db {

// A run as the lab database lists it: the station that shipped it, and its batch's uuid
// (the local batch id means nothing across stations).
struct LabRun {
  RunRecord run;
  std::string station;
  std::string batch_uuid;  // empty outside a batch
};

// A run or batch copied out of the lab database into a private store of the local schema
// (db/lab/lab_reader.hpp): `store` is readable while `keep` lives; the copy goes with it.
struct LabCopy {
  std::filesystem::path store;
  std::string uuid;  // the run's (or batch's) full uuid
  std::shared_ptr<const void> keep;
};

// What `--lab URL` needs from the lab database.
struct LabAccess {
  // The runs matching `filter` (its batch_id is ignored) and, when non-empty, of the batch
  // named by `batch` (a uuid or a unique prefix).
  std::function<Result<std::vector<LabRun>>(const std::string& url, const RunFilter& filter, const std::string& batch)>
      list_runs;
  // The run (or, with `batch`, the batch and its runs) named by a uuid or a unique prefix.
  std::function<Result<LabCopy>(const std::string& url, const std::string& key, bool batch)> copy;
  // The URL as it may be shown: its password replaced by ***.
  std::function<std::string(const std::string& url)> redact;
};

}  // namespace ledlab::db
