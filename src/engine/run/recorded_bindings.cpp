#include "engine/run/recorded_bindings.hpp"

#include "engine/run/recorded_history.hpp"

namespace ledlab::engine {

using nlohmann::json;

namespace {

// Rows handed to the script's function between two yields to the engine: small enough that a
// function doing per-lane work on each stays far inside the runaway guard's budget.
constexpr std::size_t kRowsPerBatch = 64;

class RowsObject : public lua::HostObject {
 public:
  explicit RowsObject(std::unique_ptr<RecordedRows> rows) : rows_(std::move(rows)) {}
  Result<json> call(std::string_view, const json&) override {
    if (!rows_) return json();
    auto batch = rows_->next(kRowsPerBatch);
    if (!batch) return fail(batch.error());
    if (batch->is_null()) rows_.reset();  // read to the end: its reader closes now
    return std::move(*batch);
  }

 private:
  std::unique_ptr<RecordedRows> rows_;
};

// The Lua side of recorded{..., each = f}: the host functions are kept in locals and the rows'
// constructor leaves the script's globals.
constexpr const char* kRecordedHelper = R"lua(
local full, open_rows, sleep, type, pairs, error = recorded, recorded_rows, sleep, type, pairs, error
recorded_rows = nil
function recorded(query)
  if type(query) ~= "table" or query.each == nil then return full(query) end
  local each = query.each
  if type(each) ~= "function" then error("recorded{}: each= must be a function(t, values)", 2) end
  local rest = {}
  for key, value in pairs(query) do
    if key ~= "each" then rest[key] = value end
  end
  local rows = open_rows(rest)
  local count = 0
  while true do
    local batch = rows:next()
    if batch == nil then return count end
    local t, values = batch.t, batch.values
    for i = 1, #t do each(t[i], values[i]) end
    count = count + #t
    sleep(0)
  end
end
)lua";

}  // namespace

void bind_recorded(lua::SequenceRunner& runner, RunRecorder& recorder, const std::filesystem::path& db) {
  runner.add_function("recorded", [&recorder, db](json args) { return recorder.recorded(db, args); });
  runner.add_object("recorded_rows", "recorded_rows", {"next"},
                    [&recorder, db](json args) -> Result<std::unique_ptr<lua::HostObject>> {
                      auto rows = recorder.recorded_rows(db, args);
                      if (!rows) return fail(rows.error());
                      return std::unique_ptr<lua::HostObject>(new RowsObject(std::move(*rows)));
                    });
  runner.add_prelude("recorded", kRecordedHelper);
}

}  // namespace ledlab::engine
