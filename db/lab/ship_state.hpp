#pragma once
// The shipper's sidecar, `<store>.lab` (SQLite beside the store): per run what had arrived in
// the lab database when last looked, and the shipper's last error with its time, for
// `ledlab lab status` while the lab database is away. Only a cache: the shipper always reads
// its marks from PostgreSQL. Holds no secret: the URL only as redact_url() gives it.
#include "db/sqlite.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace ledlab::db::lab {

struct RunShipped {
  std::string status;  // as the lab database has it
  std::int64_t samples = 0, results = 0, events = 0;
};

struct ShipStateSnapshot {
  std::map<std::string, RunShipped> runs;  // by run uuid
  std::string url;                         // redacted
  std::string station;
  bool connected = false, tls = false;
  std::string last_error;
  double last_error_s = 0;
  double last_ok_s = 0;       // last connected
  double last_pass_ok_s = 0;  // last pass that ended without error (recorded after an error only)
};

class ShipState {
 public:
  static std::filesystem::path path_for(const std::filesystem::path& store);
  // Creates the sidecar when missing.
  static Result<ShipState> open(const std::filesystem::path& store);
  // Read-only; Errc::not_found when there is none yet.
  static Result<ShipStateSnapshot> read(const std::filesystem::path& store);

  Status record_runs(const std::map<std::string, RunShipped>& runs);
  Status record_connection(std::string_view redacted_url, std::string_view station, bool connected, bool tls,
                           double now_s);
  Status record_error(std::string_view message, double now_s);
  // A pass ended without error: an earlier last_error is then past (lab status says so).
  Status record_pass_ok(double now_s);

 private:
  explicit ShipState(Connection conn) : conn_(std::move(conn)) {}
  Status put(std::string_view key, std::string_view value);
  Connection conn_;
};

}  // namespace ledlab::db::lab
