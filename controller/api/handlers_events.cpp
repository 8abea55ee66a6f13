// GET /sessions/{session}/events: Server-Sent Events of a session (see handlers.h, docs/api.md).
#include <boost/json.hpp>

#include "controller/api/handlers.h"

namespace atelier::api {
namespace json = boost::json;

HttpResponse handle_session_events(const HandlerContext& ctx) {
  // One "session" event with the whole session (as GET /sessions/{id}) now and at every
  // change; the stream ends after the session reaches status destroyed. The poll runs on the
  // worker thread, like the handler, so it may use the store.
  auto snapshot = [&store = ctx.store,
                   id = ctx.route.session]() -> Result<std::pair<std::string, bool>> {
    auto s = store.get_session(id);
    if (!s.ok()) return std::move(s).error();
    auto o = session_with_candidates_json(store, *s);
    if (!o.ok()) return std::move(o).error();
    return std::pair<std::string, bool>("event: session\ndata: " + json::serialize(*o) + "\n\n",
                                        s->status == store::LabStatus::kDestroyed);
  };
  // The stamp before the first snapshot: a write in between is seen at the first poll.
  auto stamp = ctx.store.change_stamp();
  if (!stamp.ok()) return error_response(stamp.error());
  auto first = snapshot();
  if (!first.ok()) return error_response(first.error());
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.body = first->first;
  r.poll_interval = ctx.options.events_poll_interval;
  // Quiet streams get the server's keep-alive comment (HttpServer::Options::event_heartbeat).
  // Each poll first asks the store whether anything was committed since the last snapshot (one
  // PRAGMA, no table read), so a short interval costs little and a change reaches the page
  // within it; the snapshot, and its comparison with the last one sent, only follow a write.
  r.poll = [snapshot, &store = ctx.store, seen = *stamp, last = first->first,
            done = first->second]() mutable -> std::optional<std::string> {
    if (done) return std::nullopt;
    auto now_stamp = store.change_stamp();
    if (!now_stamp.ok()) return std::nullopt;  // the store failed: end the stream
    if (*now_stamp == seen) return std::string();
    seen = *now_stamp;
    auto now = snapshot();
    if (!now.ok()) return std::nullopt;  // the session vanished or the store failed: end
    done = now->second;
    if (now->first == last) return std::string();
    last = now->first;
    return last;
  };
  return r;
}

}  // namespace atelier::api
