// The trainer's lab actions (reset, solve, run checks, follow an action): actions_api.h serves
// them; this adapts it to the handler table (see handlers.h).
#include "controller/api/actions_api.h"
#include "controller/api/handlers.h"

namespace atelier::api {

HttpResponse handle_lab_action(const HandlerContext& ctx) {
  return handle_action(ctx.route, ctx.request, ctx.store, ctx.options.operations, ctx.actor);
}

}  // namespace atelier::api
