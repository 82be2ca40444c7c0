// flowc: the command line (ARCHITECTURE.md "The command line").
// Exit codes: 0 success, 1 errors in the .flow file, 2 usage, 3 toolchain or
// I/O failure (and internal errors, which are bugs in flowc).
#include <fmt/format.h>
#include <unistd.h>

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
#include "driver/frontend.h"
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
    "  emit-cpp FILE.flow [-o OUT.cpp]     print the C++ translation unit of the function's handler\n"
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
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (isFlag(a, "--format")) {
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
  if (cl.command != "check" && cl.command != "graph" && cl.command != "emit-cpp")
    throw UsageError{fmt::format("unknown command '{}'", cl.command)};
  if (cl.file.empty()) throw UsageError{fmt::format("'{}' needs a .flow file", cl.command)};
  if (cl.command == "check" && (!cl.output.empty() || formatGiven || stageGiven))
    throw UsageError{fmt::format("'check' takes no {}; it only prints diagnostics",
                                 !cl.output.empty() ? "output file" : formatGiven ? "--format" : "--stage")};
  if (cl.command == "emit-cpp" && (formatGiven || stageGiven))
    throw UsageError{fmt::format("'emit-cpp' takes no {}", formatGiven ? "--format" : "--stage")};
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

// emit-cpp: the handler's C++ (codegen/). What the back end cannot generate
// yet is reported with the front end's own diagnostics, in one list.
flowc::codegen::GeneratedUnit emitCpp(const CommandLine& cl, flowc::driver::FrontEnd& fe) {
  using namespace flowc;
  codegen::EmitOptions options;
  options.source = fe.file.get();
  // The file's name, not its path: the output is the same wherever it is built.
  std::string name = std::filesystem::path(cl.file).filename().string();
  codegen::GeneratedUnit unit = codegen::emitHandler(fe.plan, fe.catalog, fe.program, fe.diags, name, options);
  fe.diags.sortByPosition();
  return unit;
}

int run(const CommandLine& cl) {
  using namespace flowc;
  auto fe = driver::runFrontEnd(cl.file);
  if (fe->ioError) {
    std::cerr << "flowc: error: " << fe->ioMessage << '\n';
    return kExitIo;
  }
  codegen::GeneratedUnit unit;
  if (cl.command == "emit-cpp" && !fe->diags.hasErrors()) unit = emitCpp(cl, *fe);
  if (cl.jsonDiagnostics) {
    printDiagnosticsJson(*fe->file, fe->diags, std::cerr);
  } else {
    printDiagnosticsText(*fe->file, fe->diags, std::cerr, useColor(cl));
  }
  if (fe->diags.hasErrors()) return kExitProgramErrors;
  if (cl.command == "check") return kExitOk;
  if (cl.command == "emit-cpp") return writeOutput(cl, unit.cpp);

  graph::Stage stage = cl.stage == "physical"    ? graph::Stage::Physical
                       : cl.stage == "optimized" ? graph::Stage::Optimized
                                                 : graph::Stage::Logical;
  graph::Format format = cl.format == "dot"    ? graph::Format::Dot
                         : cl.format == "json" ? graph::Format::Json
                                               : graph::Format::Text;
  return writeOutput(cl, graph::render(fe->plan, stage, format, cl.file));
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
