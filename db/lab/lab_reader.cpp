#include "db/lab/lab_reader.hpp"

#include "db/lab/lab_schema.hpp"
#include "db/lab/lab_url.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <random>

namespace ledlab::db::lab {
namespace {

std::optional<std::string> opt_text(const std::optional<std::string>& s) { return s; }
std::optional<std::string> opt_number(const std::optional<double>& x) {
  if (!x) return std::nullopt;
  return fmt::format("{:.17g}", *x);
}

// The uuids a prefix can stand for, as the range [low, high] of the uuid type's order (byte
// order, RFC 9562 section 6.11), so the primary key's index answers a prefix. nullopt when the
// text cannot start a uuid in its canonical 8-4-4-4-12 form.
std::optional<std::pair<std::string, std::string>> uuid_range(std::string_view prefix) {
  static constexpr std::string_view kShape = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  if (prefix.empty() || prefix.size() > kShape.size()) return std::nullopt;
  std::string low, high;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (i < prefix.size()) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(prefix[i])));
      if (kShape[i] == '-' ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      low += c, high += c;
    } else {
      low += kShape[i] == '-' ? '-' : '0';
      high += kShape[i] == '-' ? '-' : 'f';
    }
  }
  return std::pair{low, high};
}

// Columns of a run as RunRecord wants them, then station and batch uuid. `full`: with the
// script and the stored station configuration (the listing does not print them).
std::string run_select(bool full) {
  return fmt::format(
      "SELECT r.local_run_id, r.run_uuid::text, coalesce(r.sequence, ''), {}, coalesce(r.script_sha256, ''), "
      "coalesce(r.parameters::text, '{{}}'), {}, coalesce(r.operator, ''), coalesce(r.dut_serial, ''), "
      "coalesce(r.host, ''), coalesce(r.ledlab_version, ''), r.started_s, r.ended_s, r.status, b.local_batch_id, "
      "r.socket, r.station, coalesce(r.batch_uuid::text, ''), r.owner_pid, r.owner_token "
      "FROM ledlab.runs r LEFT JOIN ledlab.batches b ON b.batch_uuid = r.batch_uuid ",
      full ? "coalesce(r.script_text, '')" : "''", full ? "coalesce(r.station_config::text, '{}')" : "'{}'");
}

LabRun run_from(const PgResult& res, int row) {
  LabRun out;
  RunRecord& r = out.run;
  r.id = res.int64(row, 0).value_or(0);
  r.uuid = res.text(row, 1);
  r.sequence = res.text(row, 2);
  r.script_text = res.text(row, 3);
  r.script_sha256 = res.text(row, 4);
  r.parameters_json = res.text(row, 5);
  r.station_json = res.text(row, 6);
  r.operator_name = res.text(row, 7);
  r.dut_serial = res.text(row, 8);
  r.host = res.text(row, 9);
  r.ledlab_version = res.text(row, 10);
  r.started_s = res.float8(row, 11).value_or(0);
  r.ended_s = res.float8(row, 12);
  r.status = parse_run_status(res.text(row, 13)).value_or(RunStatus::failed);
  r.batch_id = res.int64(row, 14);
  r.socket = res.text(row, 15);
  out.station = res.text(row, 16);
  out.batch_uuid = res.text(row, 17);
  r.owner_pid = res.int64(row, 18).value_or(0);
  r.owner_token = res.text(row, 19);
  return out;
}

std::vector<LabRun> runs_from(const PgResult& res) {
  std::vector<LabRun> out;
  out.reserve(static_cast<std::size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i) out.push_back(run_from(res, i));
  return out;
}

// "a1b2c3d4-... (station bench-a), ..." for an ambiguous prefix.
std::string candidates(const PgResult& res, int uuid_col, int station_col) {
  std::string out;
  for (int i = 0; i < res.rows(); ++i)
    out += fmt::format("{}{} (station {})", i ? ", " : "", res.text(i, uuid_col), res.text(i, station_col));
  return out;
}

}  // namespace

Result<std::vector<LabRun>> list_lab_runs(PgConnection& lab, const RunFilter& f, std::string_view batch) {
  if ((f.since_s && std::isnan(*f.since_s)) || (f.until_s && std::isnan(*f.until_s)))
    return fail(Errc::invalid_argument, "a time bound of the run filter is NaN");
  std::optional<std::string> batch_uuid;
  if (!batch.empty()) {
    auto found = find_lab_batch(lab, batch);
    if (!found) return fail(found.error());
    batch_uuid = *found;
  }
  std::string sql = run_select(false) +
                    "WHERE ($1::text IS NULL OR r.dut_serial = $1) AND ($2::text IS NULL OR r.sequence = $2) "
                    "AND ($3::text IS NULL OR r.status = $3) AND ($4::text IS NULL OR r.station = $4) "
                    "AND ($5::text IS NULL OR r.dut_type = $5) AND ($6::float8 IS NULL OR r.started_s >= $6) "
                    "AND ($7::float8 IS NULL OR r.started_s <= $7) AND ($8::uuid IS NULL OR r.batch_uuid = $8) "
                    "ORDER BY r.started_s DESC, r.station, r.local_run_id DESC";
  if (f.limit > 0) sql += fmt::format(" LIMIT {}", f.limit);
  const std::optional<std::string> status = f.status ? std::optional<std::string>(to_string(*f.status)) : std::nullopt;
  auto res = lab.query(sql, {opt_text(f.dut_serial), opt_text(f.sequence), status, opt_text(f.station),
                             opt_text(f.dut_type), opt_number(f.since_s), opt_number(f.until_s), batch_uuid});
  if (!res) return fail(res.error());
  return runs_from(*res);
}

Result<LabRun> find_lab_run(PgConnection& lab, std::string_view key) {
  if (key.empty()) return fail(Errc::invalid_argument, "empty run id");
  const auto range = uuid_range(key);
  if (!range) return fail(Errc::not_found, fmt::format("no run in the lab database matches '{}'", key));
  auto res = lab.query(run_select(true) +
                           "WHERE r.run_uuid BETWEEN $1::uuid AND $2::uuid ORDER BY r.run_uuid LIMIT 10",
                       {range->first, range->second});
  if (!res) return fail(res.error());
  if (res->rows() == 0) return fail(Errc::not_found, fmt::format("no run in the lab database matches '{}'", key));
  if (res->rows() > 1)
    return fail(Errc::invalid_argument, fmt::format("'{}' matches more than one run in the lab database: {}{}; give "
                                                    "more of the uuid",
                                                    key, candidates(*res, 1, 16), res->rows() == 10 ? ", ..." : ""));
  return run_from(*res, 0);
}

Result<std::string> find_lab_batch(PgConnection& lab, std::string_view key) {
  if (key.empty()) return fail(Errc::invalid_argument, "empty batch id");
  const auto range = uuid_range(key);
  if (!range) return fail(Errc::not_found, fmt::format("no batch in the lab database matches '{}'", key));
  auto res = lab.query(
      "SELECT batch_uuid::text, station FROM ledlab.batches WHERE batch_uuid BETWEEN $1::uuid AND $2::uuid "
      "ORDER BY batch_uuid LIMIT 10",
      {range->first, range->second});
  if (!res) return fail(res.error());
  if (res->rows() == 0) return fail(Errc::not_found, fmt::format("no batch in the lab database matches '{}'", key));
  if (res->rows() > 1)
    return fail(Errc::invalid_argument, fmt::format("'{}' matches more than one batch in the lab database: {}; give "
                                                    "more of the uuid",
                                                    key, candidates(*res, 0, 1)));
  return std::string(res->text(0, 0));
}

Result<LabCopyDir> LabCopyDir::create() {
  std::random_device rd;
  std::error_code ec;
  const auto base = std::filesystem::temp_directory_path(ec);
  if (ec) return fail(Errc::io, fmt::format("no temporary directory for a copy from the lab: {}", ec.message()));
  for (int attempt = 0; attempt < 16; ++attempt) {
    auto dir = base / fmt::format("ledlab-lab-{}-{:08x}", ::getpid(), rd());
    // create_directory is false when it exists: never share another process's directory.
    if (std::filesystem::create_directory(dir, ec)) {
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
      return LabCopyDir(std::move(dir));
    }
    if (ec) return fail(Errc::io, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  }
  return fail(Errc::io, fmt::format("cannot create a private directory under {}", base.string()));
}

LabCopyDir::~LabCopyDir() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<LabCopy> copy_from_lab(const std::string& url, const std::string& key, bool batch) {
  if (auto s = check_lab_url(url); !s) return fail(s.error());
  auto lab = PgConnection::connect(url);
  if (!lab) return fail(lab.error());
  if (auto s = require_lab_schema(*lab); !s) return fail(s.error());
  auto dir = LabCopyDir::create();
  if (!dir) return fail(dir.error());
  auto holder = std::make_shared<LabCopyDir>(std::move(*dir));
  LabCopy copy{holder->store(), {}, holder};
  if (batch) {
    auto found = find_lab_batch(*lab, key);
    if (!found) return fail(found.error());
    if (auto s = materialise_batch(*lab, *found, copy.store); !s) return fail(s.error());
    copy.uuid = *found;
  } else {
    auto found = find_lab_run(*lab, key);
    if (!found) return fail(found.error());
    if (auto s = materialise_run(*lab, *found, copy.store); !s) return fail(s.error());
    copy.uuid = found->run.uuid;
  }
  return copy;
}

LabAccess lab_access() {
  LabAccess access;
  access.list_runs = [](const std::string& url, const RunFilter& filter,
                        const std::string& batch) -> Result<std::vector<LabRun>> {
    if (auto s = check_lab_url(url); !s) return fail(s.error());
    auto lab = PgConnection::connect(url);
    if (!lab) return fail(lab.error());
    if (auto s = require_lab_schema(*lab); !s) return fail(s.error());
    return list_lab_runs(*lab, filter, batch);
  };
  access.copy = copy_from_lab;
  access.redact = [](const std::string& url) { return redact_url(url); };
  return access;
}

}  // namespace ledlab::db::lab
