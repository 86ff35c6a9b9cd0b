"""Every ```python block of README.md runs as it stands: in a fresh process, from an empty temporary
directory (the test's cwd, where a block may write files), with TINYNN_DATA set as in CI. A block that
is only an illustration (e.g. PyTorch or Keras code side by side with tinynn) is fenced as ```text."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
ENV = dict(os.environ, MPLBACKEND="Agg",
           PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
if "TINYNN_DATA" not in ENV and (REPO.parent / "shared" / "data").is_dir():
    ENV["TINYNN_DATA"] = str(REPO.parent / "shared" / "data")  # the staged data beside the checkout, as CI


def _slug(heading):
    """'## Data — `tinynn.data`' -> 'data': the words of the heading before any dash or code."""
    words = re.split(r" — |`", heading)[0]
    return re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:48] or "block"


def python_blocks(text):
    """[(id, first line number, code)] of the ```python blocks; the id names the section and the line."""
    blocks, heading, code, start = [], "top", None, 0
    for number, line in enumerate(text.splitlines(), 1):
        fence = line.strip()
        if code is not None:
            if fence == "```":
                blocks.append((f"{_slug(heading)}-line{start}", start, "\n".join(code) + "\n"))
                code = None
            else:
                code.append(line)
        elif fence.startswith("```"):
            if fence[3:].strip().lower() in ("python", "py", "python3"):
                code, start = [], number
        elif line.startswith("#"):
            heading = line.lstrip("#")
    assert code is None, f"README.md: the ```python block of line {start} is never closed"
    return blocks


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_the_extractor_finds_blocks_and_only_python_ones():
    sample = "# A\n```python\nx = 1\n```\n```text\nnot python\n```\n## B c\n```py\ny = 2\n```\n"
    assert python_blocks(sample) == [("a-line2", 2, "x = 1\n"), ("b-c-line9", 9, "y = 2\n")]
    assert len(BLOCKS) >= 10, "README.md lost its python examples?"


@pytest.mark.parametrize("line, code", [(line, code) for _, line, code in BLOCKS], ids=[b[0] for b in BLOCKS])
def test_readme_block_runs(line, code, tmp_path):
    script = tmp_path / "readme_block.py"
    script.write_text(code, encoding="utf-8")
    repo_before = set(os.listdir(REPO))
    proc = subprocess.run([sys.executable, script.name], cwd=tmp_path, env=ENV, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, (f"the README.md block of line {line} failed:\n{code}\n"
                                  f"--- stdout\n{proc.stdout[-2000:]}\n--- stderr\n{proc.stderr[-3000:]}")
    assert set(os.listdir(REPO)) <= repo_before, "a README block wrote into the repository"
