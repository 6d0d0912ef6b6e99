#include "core/activity.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

namespace ledlab {

Activity& Activity::of(boost::asio::execution_context& context) {
  return boost::asio::use_service<Activity>(context);
}

Activity& Activity::of(const boost::asio::any_io_executor& executor) {
  return of(boost::asio::query(executor, boost::asio::execution::context));
}

}  // namespace ledlab
