// codegen/decode_support.h — internal to codegen/: the C++ that generated
// record decoding calls, emitted once into each handler (namespace `decode`
// of the translation unit).
//
// Why emitted rather than linked from libflowrt: it is the other half of the
// code scan.cpp writes (the reasons name what scan.cpp declares), and it
// changes with it. What does not depend on it — the JSON syntax checker that
// words a bad record's reason, UTF-8, excerpts — is flow/json_check.h, in
// libflowrt: emitted, it was ~0.35 s of every handler's compile.
#pragma once

#include "cpp_text.h"

namespace flowc::codegen::detail {

// `namespace decode { … }`: for `format json` the strict JSON walk, the
// field checks and the reasons of failed records; for `format text` the
// line's UTF-8 check.
void emitDecodeSupport(CodeWriter& out, bool json);

}  // namespace flowc::codegen::detail
