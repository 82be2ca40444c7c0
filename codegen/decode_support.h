// codegen/decode_support.h — internal to codegen/: the C++ that generated
// record decoding calls, emitted once into each handler (namespace `decode`
// of the translation unit).
//
// Why emitted rather than linked from libflowrt: it is the other half of the
// code scan.cpp writes (the reasons name what scan.cpp declares), and it
// changes with it.
#pragma once

#include "cpp_text.h"

namespace flowc::codegen::detail {

// `namespace decode { … }`: for `format json` the strict JSON walk, the
// field checks and the reasons of failed records; for `format text` the
// line's UTF-8 check.
void emitDecodeSupport(CodeWriter& out, bool json);

}  // namespace flowc::codegen::detail
