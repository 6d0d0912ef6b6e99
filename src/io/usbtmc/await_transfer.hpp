#pragma once
// Bridges the seam's callback transfers (completed on libusb's event thread, or a fake's) to
// a coroutine on the link's executor: the handler is posted back, so protocol code never
// runs on the USB thread. Cancelling the awaiting coroutine (e.g. a parallel group that lost)
// cancels the transfer.
#include "io/usbtmc/usb_device.hpp"

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace ledlab::io::usb {

// `start(done)` submits one transfer on `device`, passing `done` as its handler.
template <class Start>
boost::asio::awaitable<TransferResult> await_transfer(Device& device, Start start) {
  namespace asio = boost::asio;
  return asio::async_initiate<decltype(asio::use_awaitable), void(TransferResult)>(
      [&device, start = std::move(start)](auto handler) mutable {
        using Handler = decltype(handler);
        auto slot = asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected()) slot.assign([&device](asio::cancellation_type) { device.cancel(); });
        auto executor = asio::get_associated_executor(handler);
        // TransferHandler is a std::function, so the move-only completion handler is shared.
        auto shared = std::make_shared<Handler>(std::move(handler));
        start([shared, executor, slot](TransferResult result) mutable {
          asio::post(executor, [shared, slot, result = std::move(result)]() mutable {
            if (slot.is_connected()) slot.clear();
            std::move (*shared)(std::move(result));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace ledlab::io::usb
