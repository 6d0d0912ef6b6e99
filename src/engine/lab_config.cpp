// The station file's [lab] table (README "Lab database"): where this station's store is shipped.
#include "engine/station_config.hpp"
#include "engine/station_toml.hpp"

namespace ledlab::engine {

Result<LabConfig> parse_lab(const std::string& src, const toml::node& node) {
  const auto* table = node.as_table();
  if (table == nullptr) return fail(toml_error(src, &node, "lab", "expected a table: [lab] with url = \"postgresql://...\""));
  LabConfig lab;
  for (const auto& [k, v] : *table) {
    const std::string key = "lab." + std::string(k.str());
    if (k.str() == "url" || k.str() == "station") {
      auto text = v.value<std::string>();
      if (!text || text->empty()) return fail(toml_error(src, &v, key, "expected a non-empty string"));
      if (k.str() == "url") {
        lab.url = *text;
        lab.url_line = static_cast<int>(v.source().begin.line);
      } else {
        lab.station = *text;
      }
    } else if (k.str() == "enabled") {
      auto on = v.value<bool>();
      if (!on) return fail(toml_error(src, &v, key, "expected true or false"));
      lab.enabled = *on;
    } else {
      return fail(toml_error(src, &v, key, "unknown key (url, station, enabled)"));
    }
  }
  return lab;
}

}  // namespace ledlab::engine
