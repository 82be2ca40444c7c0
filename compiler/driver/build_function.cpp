// `flowc build`'s steps after the front end; see build_function.h.
#include "driver/build_function.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "codegen/codegen.h"
#include "driver/lambda_window.h"
#include "driver/zip.h"

namespace flowc::driver {

namespace {

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

const ast::SourceDecl* firstSource(const ast::Program& program) {
  for (const ast::Decl& d : program.decls)
    if (const auto* s = std::get_if<ast::SourceDecl>(&d)) return s;
  return nullptr;
}

}  // namespace

std::string emitFunction(FrontEnd& fe, const std::string& flowPath) {
  codegen::EmitOptions emit;
  emit.source = fe.file.get();
  // The file's name, not its path: the output is the same wherever it is built.
  std::string name = std::filesystem::path(flowPath).filename().string();
  std::string cpp = codegen::emitHandler(fe.plan, fe.catalog, fe.program, fe.diags, name, emit).cpp;
  fe.diags.sortByPosition();
  return fe.diags.hasErrors() ? std::string() : cpp;
}

FunctionBuild buildFunction(FrontEnd& fe, const std::string& flowPath, Arch arch, const BuildOptions& options) {
  FunctionBuild out;
  auto start = std::chrono::steady_clock::now();
  out.cpp = emitFunction(fe, flowPath);
  out.timings.emitMs = msSince(start);
  if (fe.diags.hasErrors() || out.cpp.empty()) {
    out.programErrors = true;
    return out;
  }
  start = std::chrono::steady_clock::now();
  out.bootstrap = buildBootstrap(out.cpp, arch, options);
  out.timings.compileMs = msSince(start);
  if (!out.bootstrap.ok()) out.error = out.bootstrap.error;
  return out;
}

std::optional<std::string> packFunction(const FunctionBuild& build, const std::string& zipPath) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(zipPath).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (auto e = writeLambdaZip(zipPath, build.bootstrap.bootstrapPath))
    return fmt::format("cannot write the zip '{}': {}", zipPath, *e);
  return std::nullopt;
}

std::string functionNameFor(const std::string& flowPath) {
  std::string stem = std::filesystem::path(flowPath).stem().string();
  std::string name;
  for (char c : stem) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    name += keep ? c : '-';
    if (name.size() == 64) break;
  }
  return name.empty() ? "flow-function" : name;
}

SamFunction samFunctionFor(const FrontEnd& fe, const std::string& flowPath, const std::string& codeUri,
                           Arch arch) {
  SamFunction f;
  f.name = functionNameFor(flowPath);
  f.description = fmt::format("flowc: {}", std::filesystem::path(flowPath).filename().string());
  f.codeUri = codeUri;
  f.arch = arch;
  const ast::SourceDecl* source = firstSource(fe.program);
  if (!source) return f;
  switch (source->kind) {
    case ast::SourceKind::Kinesis:
      f.source = SamEventSource::Kinesis;
      f.batchSize = 100;  // Lambda's default for streams
      // A windowed program's state rides in Lambda's tumbling windows (§15).
      if (fe.planned) f.tumblingWindowSeconds = lambdaWindowSecondsFor(fe.plan, source);
      break;
    case ast::SourceKind::Sqs:
      f.source = SamEventSource::Sqs;
      f.batchSize = 10;  // Lambda's default for queues (more needs a batching window)
      break;
    case ast::SourceKind::Http:
      f.source = SamEventSource::HttpApi;  // payload 2.0; the handler reads v1 and function URLs too
      break;
    case ast::SourceKind::DynamoDB:
      f.source = SamEventSource::DynamoDb;
      f.batchSize = 100;  // Lambda's default for streams
      if (fe.planned) f.tumblingWindowSeconds = lambdaWindowSecondsFor(fe.plan, source);
      break;
    case ast::SourceKind::Kafka:
      // Set up outside SAM's simple events (an MSK or self-managed cluster):
      // the function is invoked directly.
      break;
  }
  return f;
}

}  // namespace flowc::driver
