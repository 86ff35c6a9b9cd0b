"""The reading path holds the math, the fast paths sit behind one table (issue #15)."""
import ast
import importlib
import pathlib
import subprocess
import sys

import tinynn
from tinynn import function
from tinynn.kernels import FAST_PATHS

ROOT = pathlib.Path(tinynn.__file__).parent
READING_PATH = ["scalar.py", "graph.py", "function.py", "tensor.py", "checks.py", "ops", "nn", "losses", "optim"]


def _imports(path):
    """Every module name a file imports (relative imports resolved against the tinynn package)."""
    package = ".".join(("tinynn",) + path.relative_to(ROOT).parent.parts)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level \
                else node.module
            yield base
            yield from (f"{base}.{a.name}" for a in node.names)


def test_the_reading_path_imports_nothing_from_kernels():
    files = [p for name in READING_PATH for p in ((ROOT / name).rglob("*.py") if (ROOT / name).is_dir()
                                                   else [ROOT / name])]
    assert len(files) > 30
    offenders = {str(p.relative_to(ROOT)): m for p in files for m in _imports(p)
                 if m == "tinynn.kernels" or m.startswith("tinynn.kernels.") or m == "numba"}
    assert not offenders, offenders


def test_import_tinynn_loads_no_kernel_and_no_numba():
    code = ("import sys, tinynn; print(sorted(m for m in sys.modules if m.startswith('tinynn.kernels.') "
            "or m.split('.')[0] in ('numba', 'threadpoolctl')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_row_of_the_table_is_a_fast_version_of_its_op():
    for op, where in FAST_PATHS.items():
        module, name = where.split(":")
        fast = getattr(importlib.import_module(module), name)
        if isinstance(op, type):
            assert issubclass(fast, op) and fast.__name__ == op.__name__      # same name: grad_fn, ONNX
        else:
            assert callable(fast) and op.__name__ == "_update"
        assert op in function.fast_paths
