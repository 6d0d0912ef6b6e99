#include "io/discovery/found.hpp"

#include <algorithm>

namespace ledlab::io::discovery {

void add_found(std::vector<Found>& list, Found found) {
  auto same = std::find_if(list.begin(), list.end(), [&](const Found& f) { return f.resource == found.resource; });
  if (same == list.end()) {
    list.push_back(std::move(found));
    return;
  }
  if (same->via.find(found.via) == std::string::npos) same->via += ", " + found.via;
  if (same->name.empty()) same->name = std::move(found.name);
  for (auto& d : found.details)
    if (std::find(same->details.begin(), same->details.end(), d) == same->details.end()) same->details.push_back(std::move(d));
}

}  // namespace ledlab::io::discovery
