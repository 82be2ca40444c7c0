// flowc: the command line (ARCHITECTURE.md "The command line").
// Exit codes: 0 success, 1 errors in the .flow file, 2 usage, 3 toolchain or
// I/O failure (and internal errors, which are bugs in flowc).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "codegen/codegen.h"
#include "diagnostics/diagnostics.h"
#include "driver/build_function.h"
#include "driver/frontend.h"
#include "driver/explain.h"
#include "driver/lambda_window.h"
#include "driver/run_function.h"
#include "driver/sam_template.h"
#include "graph/graph.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitProgramErrors = 1;
constexpr int kExitUsage = 2;
constexpr int kExitIo = 3;

const char* kUsage =
    "usage: flowc <command> FILE.flow [options]\n"
    "\n"
    "commands:\n"
    "  check FILE.flow                     check the program; print its diagnostics\n"
    "  graph FILE.flow [--format text|dot|json] [--stage logical|optimized|physical] [-o OUT]\n"
    "                                      print the dataflow graph\n"
    "  explain FILE.flow [-o OUT]          each optimizer rule that fired (before/after) and, per\n"
    "                                      stateful operator, where its state lives, its key and bound\n"
    "  emit-cpp FILE.flow [-o OUT.cpp]     print the C++ translation unit of the function's handler\n"
    "  build FILE.flow -o OUT.zip [--arch x86_64|arm64] [--template OUT.yaml] [--timings]\n"
    "                                      compile the function into a Lambda zip (and its SAM template)\n"
    "  run FILE.flow --events EVENT.json...\n"
    "  run FILE.flow --records R.jsonl [--batch N] [--max-attempts N] [--fifo] [--key FIELD]\n"
    "        [--shards K] [--window SECONDS] [--arrival-field FIELD]\n"
    "                                      build the function and run it on a local Lambda: one\n"
    "                                      invocation per event file, or raw records (one per line)\n"
    "                                      wrapped into events of the source's kind and redelivered\n"
    "                                      as an event source mapping does (kinesis, dynamodb: over K\n"
    "                                      shards, in Lambda's tumbling windows when the program has them)\n"
    "        [--arch x86_64|arm64] [--output text|json]\n"
    "\n"
    "options:\n"
    "  --diagnostics=text|json             how errors and warnings are printed (stderr)\n"
    "  --color / --no-color                colour the text diagnostics (default: when stderr is a terminal)\n"
    "  -h, --help                          this text\n"
    "  --version                           flowc's version\n"
    "\n"
    "exit codes: 0 success, 1 errors in the program, 2 usage, 3 I/O or toolchain failure\n";

struct CommandLine {
  std::string command;
  std::string file;
  std::string format = "text";
  std::string stage = "logical";
  std::string output;
  std::string arch = "x86_64";
  std::string templatePath;
  bool timings = false;
  std::vector<std::string> events;
  std::string records;
  std::optional<size_t> batch;
  int maxAttempts = 3;
  bool fifo = false;
  std::string keyField;
  int shards = 1;
  std::optional<int> window;  // --window: overrides the program's Lambda window
  std::string arrivalField;
  bool jsonOutput = false;
  bool jsonDiagnostics = false;
  std::optional<bool> color;
};

struct UsageError {
  std::string message;
};

CommandLine parseCommandLine(const std::vector<std::string>& args) {
  CommandLine cl;
  bool formatGiven = false, stageGiven = false;
  auto valueOf = [&](size_t& i, const std::string& flag) -> std::string {
    const std::string& a = args[i];
    if (a.size() > flag.size() && a[flag.size()] == '=') return a.substr(flag.size() + 1);
    if (i + 1 >= args.size()) throw UsageError{fmt::format("option '{}' needs a value", flag)};
    return args[++i];
  };
  auto isFlag = [](const std::string& a, const std::string& flag) {
    return a == flag || (a.rfind(flag + "=", 0) == 0);
  };
  auto count = [&](size_t& i, const std::string& flag, long min, long max) -> long {
    std::string v = valueOf(i, flag);
    char* end = nullptr;
    errno = 0;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno != 0 || n < min || n > max)
      throw UsageError{fmt::format("option '{}' takes a number from {} to {}, not '{}'", flag, min, max, v)};
    return n;
  };
  std::vector<std::string> runOnly;  // options only `run` takes, for the error
  std::vector<std::string> buildOnly;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (isFlag(a, "--arch")) {
      cl.arch = valueOf(i, "--arch");
      if (!flowc::parseArch(cl.arch))
        throw UsageError{fmt::format("unknown --arch '{}'; expected x86_64 or arm64", cl.arch)};
    } else if (isFlag(a, "--template")) {
      cl.templatePath = valueOf(i, "--template");
      buildOnly.push_back("--template");
    } else if (a == "--timings") {
      cl.timings = true;
      buildOnly.push_back("--timings");
    } else if (a == "--events") {
      // Every argument up to the next option is an event file.
      while (i + 1 < args.size() && !(args[i + 1].size() > 1 && args[i + 1][0] == '-')) cl.events.push_back(args[++i]);
      if (cl.events.empty()) throw UsageError{"option '--events' needs at least one event file"};
      runOnly.push_back("--events");
    } else if (isFlag(a, "--records")) {
      cl.records = valueOf(i, "--records");
      runOnly.push_back("--records");
    } else if (isFlag(a, "--batch")) {
      cl.batch = static_cast<size_t>(count(i, "--batch", 1, 10000));
      runOnly.push_back("--batch");
    } else if (isFlag(a, "--max-attempts")) {
      cl.maxAttempts = static_cast<int>(count(i, "--max-attempts", 1, 10000));
      runOnly.push_back("--max-attempts");
    } else if (a == "--fifo") {
      cl.fifo = true;
      runOnly.push_back("--fifo");
    } else if (isFlag(a, "--key")) {
      cl.keyField = valueOf(i, "--key");
      runOnly.push_back("--key");
    } else if (isFlag(a, "--shards")) {
      cl.shards = static_cast<int>(count(i, "--shards", 1, 1000));
      runOnly.push_back("--shards");
    } else if (isFlag(a, "--window")) {
      cl.window = static_cast<int>(count(i, "--window", 0, 900));  // Lambda's range; 0: none
      runOnly.push_back("--window");
    } else if (isFlag(a, "--arrival-field")) {
      cl.arrivalField = valueOf(i, "--arrival-field");
      runOnly.push_back("--arrival-field");
    } else if (isFlag(a, "--output") && cl.command == "run") {
      std::string v = valueOf(i, "--output");
      if (v != "text" && v != "json") throw UsageError{fmt::format("unknown --output '{}'; expected text or json", v)};
      cl.jsonOutput = v == "json";
    } else if (isFlag(a, "--format")) {
      cl.format = valueOf(i, "--format");
      formatGiven = true;
      if (cl.format != "text" && cl.format != "dot" && cl.format != "json")
        throw UsageError{fmt::format("unknown --format '{}'; expected text, dot or json", cl.format)};
    } else if (isFlag(a, "--stage")) {
      cl.stage = valueOf(i, "--stage");
      stageGiven = true;
      if (cl.stage != "logical" && cl.stage != "optimized" && cl.stage != "physical")
        throw UsageError{fmt::format("unknown --stage '{}'; expected logical, optimized or physical", cl.stage)};
    } else if (isFlag(a, "--diagnostics")) {
      std::string v = valueOf(i, "--diagnostics");
      if (v != "text" && v != "json")
        throw UsageError{fmt::format("unknown --diagnostics '{}'; expected text or json", v)};
      cl.jsonDiagnostics = v == "json";
    } else if (a == "-o" || isFlag(a, "--output")) {
      cl.output = valueOf(i, a == "-o" ? "-o" : "--output");
    } else if (a == "--color") {
      cl.color = true;
    } else if (a == "--no-color") {
      cl.color = false;
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError{fmt::format("unknown option '{}'", a)};
    } else if (cl.command.empty()) {
      cl.command = a;
    } else if (cl.file.empty()) {
      cl.file = a;
    } else {
      throw UsageError{fmt::format("unexpected argument '{}'", a)};
    }
  }
  if (cl.command.empty()) throw UsageError{"no command given"};
  if (cl.command != "check" && cl.command != "graph" && cl.command != "explain" && cl.command != "emit-cpp" &&
      cl.command != "build" && cl.command != "run")
    throw UsageError{fmt::format("unknown command '{}'", cl.command)};
  if (cl.file.empty()) throw UsageError{fmt::format("'{}' needs a .flow file", cl.command)};
  if (cl.command != "run" && !runOnly.empty())
    throw UsageError{fmt::format("'{}' is an option of 'flowc run'", runOnly.front())};
  if (cl.command != "build" && !buildOnly.empty())
    throw UsageError{fmt::format("'{}' is an option of 'flowc build'", buildOnly.front())};
  if ((cl.command == "build" || cl.command == "run") && (formatGiven || stageGiven))
    throw UsageError{fmt::format("'{}' takes no {}", cl.command, formatGiven ? "--format" : "--stage")};
  if (cl.command == "build" && cl.output.empty())
    throw UsageError{"'build' needs -o OUT.zip, the zip to write"};
  if (cl.command == "run") {
    if (!cl.output.empty()) throw UsageError{"'run' prints its report; it takes no -o"};
    if (cl.events.empty() == cl.records.empty())
      throw UsageError{"'run' needs either --events EVENT.json... or --records R.jsonl"};
    if (!cl.events.empty() && (cl.batch || cl.fifo || !cl.keyField.empty() || cl.maxAttempts != 3))
      throw UsageError{"--batch, --max-attempts, --fifo and --key go with --records"};
    if (!cl.events.empty() && (cl.shards != 1 || cl.window || !cl.arrivalField.empty()))
      throw UsageError{"--shards, --window and --arrival-field go with --records"};
  }
  if (cl.command != "build" && cl.command != "run" && cl.arch != "x86_64")
    throw UsageError{fmt::format("'{}' takes no --arch", cl.command)};
  if (cl.command == "check" && (!cl.output.empty() || formatGiven || stageGiven))
    throw UsageError{fmt::format("'check' takes no {}; it only prints diagnostics",
                                 !cl.output.empty() ? "output file" : formatGiven ? "--format" : "--stage")};
  if ((cl.command == "emit-cpp" || cl.command == "explain") && (formatGiven || stageGiven))
    throw UsageError{fmt::format("'{}' takes no {}", cl.command, formatGiven ? "--format" : "--stage")};
  return cl;
}

bool useColor(const CommandLine& cl) {
  if (cl.color) return *cl.color;
  if (std::getenv("NO_COLOR")) return false;
  const char* term = std::getenv("TERM");
  return isatty(STDERR_FILENO) && term && std::string(term) != "dumb";
}

int writeOutput(const CommandLine& cl, const std::string& text) {
  if (cl.output.empty() || cl.output == "-") {
    std::cout << text;
    std::cout.flush();
    return std::cout ? kExitOk : kExitIo;
  }
  std::ofstream out(cl.output, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << fmt::format("flowc: error: cannot write '{}'\n", cl.output);
    return kExitIo;
  }
  return kExitOk;
}

void printDiagnostics(const CommandLine& cl, const flowc::driver::FrontEnd& fe) {
  if (cl.jsonDiagnostics) {
    printDiagnosticsJson(*fe.file, fe.diags, std::cerr);
  } else {
    printDiagnosticsText(*fe.file, fe.diags, std::cerr, useColor(cl));
  }
}

// build and run: the handler compiled (cached), then zipped; run unpacks the
// zip as Lambda does and feeds the bootstrap on the local Lambda.
int buildOrRun(const CommandLine& cl, flowc::driver::FrontEnd& fe) {
  using namespace flowc;
  Arch arch = *parseArch(cl.arch);
  const ast::SourceDecl* source = nullptr;
  for (const ast::Decl& d : fe.program.decls)
    if (const auto* s = std::get_if<ast::SourceDecl>(&d)) {
      source = s;
      break;
    }
  const bool streamSource =
      source && (source->kind == ast::SourceKind::Kinesis || source->kind == ast::SourceKind::DynamoDB);
  if (cl.command == "run" && (cl.shards != 1 || cl.window) && !streamSource) {
    // Checked before the build: a usage error should not wait for a compile.
    printDiagnostics(cl, fe);
    std::cerr << fmt::format("flowc: error: {} applies to kinesis and dynamodb sources; {}\n",
                             cl.shards != 1 ? "--shards" : "--window",
                             source ? fmt::format("'{}' is {}", source->name, ast::sourceKindName(source->kind))
                                    : std::string("the program has no source"));
    return kExitUsage;
  }
  driver::FunctionBuild build = driver::buildFunction(fe, cl.file, arch);
  printDiagnostics(cl, fe);
  if (build.programErrors) return kExitProgramErrors;
  if (!build.error.empty()) {
    std::cerr << "flowc: error: " << build.error << '\n';
    return kExitIo;
  }
  auto zipStart = std::chrono::steady_clock::now();
  std::string zipPath = cl.output;
  if (cl.command == "run") {
    // Beside the bootstrap in the build cache, written under a private name
    // first so that two runs of one program do not meet half-written zips.
    std::filesystem::path dir = std::filesystem::path(build.bootstrap.bootstrapPath).parent_path();
    zipPath = (dir / fmt::format("function.zip.{}", ::getpid())).string();
  }
  if (auto e = driver::packFunction(build, zipPath)) {
    std::cerr << "flowc: error: " << *e << '\n';
    return kExitIo;
  }
  build.timings.zipMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - zipStart).count();

  if (cl.command == "build") {
    if (!cl.templatePath.empty()) {
      // CodeUri relative to the template, so the two files move together.
      std::filesystem::path templateDir = std::filesystem::absolute(cl.templatePath).parent_path();
      std::string codeUri =
          std::filesystem::absolute(zipPath).lexically_relative(templateDir).generic_string();
      SamFunction f = driver::samFunctionFor(fe, cl.file, codeUri, arch);
      std::vector<std::string> problems = validateSamFunction(f);
      if (!problems.empty()) {
        std::cerr << "flowc: internal error: the deployment template would be refused: " << problems.front()
                  << " (this is a bug in flowc, please report it)\n";
        return kExitIo;
      }
      std::ofstream out(cl.templatePath, std::ios::binary);
      out << renderSamTemplate(f);
      out.close();
      if (!out) {
        std::cerr << fmt::format("flowc: error: cannot write '{}'\n", cl.templatePath);
        return kExitIo;
      }
    }
    if (cl.timings)
      std::cerr << fmt::format(
          "flowc: front end {:.1f} ms, generate C++ {:.1f} ms, compile and link {:.1f} ms{}, zip {:.1f} ms\n",
          fe.frontEndMs, build.timings.emitMs, build.timings.compileMs,
          build.bootstrap.cacheHit ? " (cached)" : "", build.timings.zipMs);
    return kExitOk;
  }

  driver::RunOptions options;
  options.eventFiles = cl.events;
  options.recordsFile = cl.records;
  options.batchSize = cl.batch;
  options.maxAttempts = cl.maxAttempts;
  options.fifo = cl.fifo;
  options.keyField = cl.keyField;
  options.shards = cl.shards;
  options.arrivalField = cl.arrivalField;
  options.json = cl.jsonOutput;
  options.arch = arch;
  options.functionName = driver::functionNameFor(cl.file);
  ast::SourceKind kind = source ? source->kind : ast::SourceKind::Kinesis;
  // The window the deployment template sets (samFunctionFor), unless --window says otherwise.
  if (streamSource)
    options.tumblingWindowSeconds = cl.window.value_or(driver::lambdaWindowSecondsFor(fe.plan, source).value_or(0));
  driver::RunOutcome outcome = driver::runFunction(zipPath, kind, options, std::cout);
  std::error_code ec;
  std::filesystem::remove(zipPath, ec);
  if (!outcome.error.empty()) {
    std::cerr << "flowc: error: " << outcome.error << '\n';
    return kExitIo;
  }
  return std::cout ? kExitOk : kExitIo;
}

int run(const CommandLine& cl) {
  using namespace flowc;
  auto fe = driver::runFrontEnd(cl.file);
  if (fe->ioError) {
    std::cerr << "flowc: error: " << fe->ioMessage << '\n';
    return kExitIo;
  }
  if ((cl.command == "build" || cl.command == "run") && !fe->diags.hasErrors()) return buildOrRun(cl, *fe);
  std::string cpp;
  if (cl.command == "emit-cpp" && !fe->diags.hasErrors()) cpp = driver::emitFunction(*fe, cl.file);
  printDiagnostics(cl, *fe);
  if (fe->diags.hasErrors()) return kExitProgramErrors;
  if (cl.command == "check") return kExitOk;
  if (cl.command == "emit-cpp") return writeOutput(cl, cpp);
  if (cl.command == "explain") return writeOutput(cl, driver::explainProgram(*fe, fe->optimized.fired, cl.file));

  graph::Stage stage = cl.stage == "physical"    ? graph::Stage::Physical
                       : cl.stage == "optimized" ? graph::Stage::Optimized
                                                 : graph::Stage::Logical;
  graph::Format format = cl.format == "dot"    ? graph::Format::Dot
                         : cl.format == "json" ? graph::Format::Json
                                               : graph::Format::Text;
  // The logical stage is the plan as built; optimized and physical show what codegen compiles.
  const plan::Plan& shown = stage == graph::Stage::Logical ? fe->logicalPlan : fe->plan;
  return writeOutput(cl, graph::render(shown, stage, format, cl.file));
}

}  // namespace

int main(int argc, char** argv) {
  // A child that exits before reading its stdin must not kill flowc.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& a : args) {
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (a == "--version") {
      std::cout << "flowc 0.1.0\n";
      return kExitOk;
    }
  }
  try {
    return run(parseCommandLine(args));
  } catch (const UsageError& e) {
    std::cerr << "flowc: error: " << e.message << "\n\n" << kUsage;
    return kExitUsage;
  } catch (const flowc::InternalError& e) {
    std::cerr << "flowc: internal error: " << e.what() << " (this is a bug in flowc, please report it)\n";
    return kExitIo;
  } catch (const std::bad_alloc&) {
    std::cerr << "flowc: error: out of memory\n";
    return kExitIo;
  } catch (const std::exception& e) {
    std::cerr << "flowc: internal error: " << e.what() << " (this is a bug in flowc, please report it)\n";
    return kExitIo;
  }
}
