#pragma once
// The server side of ONC RPC over TCP (RFC 5531): calls read as records (section 11) and
// answered in order, with the answers every RPC server gives by itself (RPC_MISMATCH,
// PROG_UNAVAIL, PROG_MISMATCH, GARBAGE_ARGS). Used by the VXI-11 twins' portmapper, core
// and abort channels.
#include "io/vxi11/rpc.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::scpi::server::rpc_serve {

// The whole reply message (header and results) for one call.
using CallHandler = std::function<boost::asio::awaitable<std::string>(const io::rpc::CallHeader&, io::xdr::Reader&)>;

// Answers calls on `socket` until it closes or breaks the record framing (logged, naming `who`).
boost::asio::awaitable<void> serve_records(boost::asio::ip::tcp::socket& socket, io::rpc::RecordLimits limits,
                                           std::string who, CallHandler handler);

// The reply to a call that is not for `program` `version`, or nullopt when it is.
std::optional<std::string> refuse_foreign(const io::rpc::CallHeader& call, std::uint32_t program, std::uint32_t version);
std::string success(std::uint32_t xid, std::string_view results);
std::string failure(std::uint32_t xid, io::rpc::AcceptStat stat);

}  // namespace ledlab::scpi::server::rpc_serve
