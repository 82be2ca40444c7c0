// The benchmark's transport floor: a handler that reads each event (libflowrt's
// Runtime API loop does: GET /next, the whole body) and answers
// {"batchItemFailures":[]} without looking at it. flowc_handler_bench builds it
// with buildBootstrap(), exactly as flowc builds a generated handler, so what
// it costs per invocation is what every contestant pays before doing any work.
#include "flow/runtime.h"

namespace {

void handle(const flow::Invocation&, flow::Reply& reply, void*) { reply.body.assign("{\"batchItemFailures\":[]}"); }

}  // namespace

int main() { return flow::run(nullptr, &handle); }
