#pragma once
// A run's results and events read one row at a time, for exports of runs whose tables do not
// fit comfortably in memory. Rows come in id order, as Reader::results / Reader::events give
// them, and decode to the same records.
#include "db/reader.hpp"

#include <functional>

namespace ledlab::db {

Status for_each_result(Reader& reader, RunId run, const std::function<void(const ResultRecord&)>& visit);
// Events after `after_event_id` (the dashboard polls with the last one it saw).
Status for_each_event(Reader& reader, RunId run, const std::function<void(const EventRecord&)>& visit,
                      std::int64_t after_event_id = 0);
Status for_each_checkpoint(Reader& reader, RunId run, const std::function<void(const CheckpointRecord&)>& visit);

}  // namespace ledlab::db
