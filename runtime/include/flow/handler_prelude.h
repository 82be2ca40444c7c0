// flow/handler_prelude.h — every header a generated handler may include
// (codegen/emitter.cpp writes its #include list from the same set), built
// once per architecture into a clang precompiled header beside libflowrt.a
// (cmake/handler-runtime). `flowc build` compiles the handler with
// `-include-pch`, and the TU's own #includes then cost nothing: they are
// already seen.
//
// Measured (clang 14, -O2, samples/clicks.flow): parsing these headers is
// 2.3 s of CPU of a 3.6 s compile (on a loaded machine); with the PCH the
// compile takes 1.9 s there, about 1.3–1.4 s on a quiet one (the rest is
// optimizing and emitting the handler's own code).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <simdjson.h>

#include "flow/aggregate.h"
#include "flow/events.h"
#include "flow/json_check.h"
#include "flow/json_writer.h"
#include "flow/output.h"
#include "flow/record_scan.h"
#include "flow/runtime.h"
#include "flow/sketch.h"
#include "flow/sql.h"
#include "flow/state.h"
