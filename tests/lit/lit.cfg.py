# lit configuration: every .flow file under tests/lit is a test whose RUN
# lines call flowc and whose CHECK lines say what it must print.
import os
import lit.formats

config.name = "flowc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".flow", ".test"]
config.excludes = ["Inputs", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)

params = lit_config.params
flowc = params.get("flowc")
llvm_bin = params.get("llvm_bin", "/usr/lib/llvm-14/bin")
source_root = params.get("source_root", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
if not flowc:
    lit_config.fatal("pass --param flowc=/path/to/flowc")

config.substitutions.append(("%flowc", flowc))
config.substitutions.append(("%samples", os.path.join(source_root, "samples")))
config.substitutions.append(("%root", source_root))
config.environment["PATH"] = os.pathsep.join([llvm_bin, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["NO_COLOR"] = "1"
import sys
config.substitutions.append(("%expect-exit", sys.executable + " " + os.path.join(config.test_source_root, "Inputs", "expect_exit.py")))
