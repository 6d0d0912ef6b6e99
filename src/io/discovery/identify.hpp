#pragma once
// Asks every found instrument for *IDN? at once, through the link its resource string names
// (io::make_link) and an SCPI session, all within one bound: an instrument that does not
// answer gets its error and stays listed.
#include "io/discovery/found.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <vector>

namespace ledlab::io::discovery {

// Fills `idn` or `error` of each entry; returns after at most about `timeout` plus the
// connect timeout (the same bound).
boost::asio::awaitable<void> identify_all(std::vector<Found>& found, std::chrono::milliseconds timeout);

}  // namespace ledlab::io::discovery
