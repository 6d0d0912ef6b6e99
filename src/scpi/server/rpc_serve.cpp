#include "scpi/server/rpc_serve.hpp"

#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>

namespace ledlab::scpi::server::rpc_serve {

namespace asio = boost::asio;
namespace rpc = io::rpc;

std::optional<std::string> refuse_foreign(const rpc::CallHeader& call, std::uint32_t program, std::uint32_t version) {
  io::xdr::Writer w;
  if (call.rpc_version != rpc::kRpcVersion) rpc::encode_rpc_mismatch(w, call.xid);
  else if (call.program != program) rpc::encode_accepted(w, call.xid, rpc::AcceptStat::prog_unavail);
  else if (call.version != version) rpc::encode_accepted(w, call.xid, rpc::AcceptStat::prog_mismatch, version, version);
  else return std::nullopt;
  return w.take();
}

std::string success(std::uint32_t xid, std::string_view results) {
  io::xdr::Writer w;
  rpc::encode_accepted(w, xid, rpc::AcceptStat::success);
  std::string out = w.take();
  out += results;
  return out;
}

std::string failure(std::uint32_t xid, rpc::AcceptStat stat) {
  io::xdr::Writer w;
  rpc::encode_accepted(w, xid, stat);
  return w.take();
}

asio::awaitable<void> serve_records(asio::ip::tcp::socket& socket, rpc::RecordLimits limits, std::string who,
                                    CallHandler handler) {
  rpc::RecordBuffer received(limits);
  std::array<char, 16384> chunk{};
  for (;;) {
    auto record = received.next();
    if (!record) {
      log::warn("vxi11", "{}: closing the connection: {}", who, record.error().message);
      co_return;
    }
    if (!*record) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      received.append(std::string_view(chunk.data(), n));
      continue;
    }
    io::xdr::Reader in(**record);
    auto call = rpc::decode_call(in);
    if (!call) {
      // Without a readable header there is no xid to answer (RFC 5531 section 9): the stream
      // is still in step, so the record is dropped and the next one read.
      log::warn("vxi11", "{}: dropping a record that is not an RPC call: {}", who, call.error().message);
      continue;
    }
    const std::string reply = rpc::encode_record(co_await handler(*call, in));
    auto [wec, written] = co_await asio::async_write(socket, asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (wec) co_return;
  }
}

}  // namespace ledlab::scpi::server::rpc_serve
