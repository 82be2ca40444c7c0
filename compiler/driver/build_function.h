// `flowc build`: a checked program → its Lambda function. The steps, each a
// value that says what failed:
//   emit      codegen::emitHandler (what the back end cannot generate yet is
//             an error diagnostic in fe.diags: exit 1)
//   compile   buildBootstrap (clang++ -O2, ld.lld, strip; cached by hash)
//   zip       writeLambdaZip (bootstrap 0755, deterministic)
//   template  renderSamTemplate, from what the program needs
// and how long each took (`flowc build --timings`).
#pragma once

#include <string>

#include "driver/frontend.h"
#include "driver/sam_template.h"
#include "driver/toolchain.h"

namespace flowc::driver {

struct BuildTimings {
  double emitMs = 0;
  double compileMs = 0;  // compile + link + strip, or the cache lookup
  double zipMs = 0;
};

struct FunctionBuild {
  bool programErrors = false;  // diagnostics in fe.diags (exit 1)
  std::string error;           // a toolchain or I/O failure (exit 3): step, command, stderr
  std::string cpp;             // the translation unit
  BuildResult bootstrap;       // the ELF in the cache
  BuildTimings timings;
  bool ok() const { return !programErrors && error.empty(); }
};

// The handler's translation unit (emit-cpp); empty, with error diagnostics
// in fe.diags, when the back end cannot generate the program.
std::string emitFunction(FrontEnd& fe, const std::string& flowPath);

// Generates and compiles the handler of a front end that ran cleanly. The
// file's name (not its path) is what the generated comments name.
FunctionBuild buildFunction(FrontEnd& fe, const std::string& flowPath, Arch arch,
                            const BuildOptions& options = {});

// The zip of a built function; an error message on failure.
std::optional<std::string> packFunction(const FunctionBuild& build, const std::string& zipPath);

// The function's name on Lambda, from the file: `samples/clicks.flow` →
// "clicks" (letters, digits, '-' and '_' kept, anything else '-', at most 64).
std::string functionNameFor(const std::string& flowPath);

// The deployment settings the program implies: its source's event source
// (kinesis → a Kinesis stream, sqs → a queue, http → an HTTP API), the
// batch settings (a windowed kinesis program: TumblingWindowInSeconds, see
// lambda_window.h), and a role for what its sinks do.
SamFunction samFunctionFor(const FrontEnd& fe, const std::string& flowPath, const std::string& codeUri,
                           Arch arch);

}  // namespace flowc::driver
