"""Run every example script (quick mode by default) and gather their results into OUT/results.md.

    python examples/run_all.py            # quick mode, figures and results table under out/
    python examples/run_all.py --full     # the lecture sheets' settings (slow)
    python examples/run_all.py --only s3  # scripts whose name contains "s3"

Exits non-zero if any example fails or any sanity check fails.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def example_scripts(only=None):
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith(("_", "run_all")))
    return [p for p in scripts if only is None or only in p.stem]


def _cell(text):
    """Text for a Markdown table cell: a '|' (as in |m|) would end the cell, so it is escaped."""
    return str(text).replace("|", "\\|")


def write_table(out):
    """OUT/results.md: one row per exercise ID, from the JSON each script wrote."""
    lines = ["# Results", "", "| ID | what was computed | key numbers | figures | check |", "|---|---|---|---|---|"]
    for path in sorted((out / "results").glob("*.json")):
        record = json.loads(path.read_text())
        for r in record["rows"]:
            numbers = "; ".join(f"{k} = {v}" for k, v in r["numbers"].items())
            figures = " ".join(f"[{pathlib.Path(f).name}]({pathlib.Path(f).relative_to(out).as_posix()})"
                               if pathlib.Path(f).is_relative_to(out) else f for f in r["figures"])
            cells = [_cell(c) for c in (r["id"], r["what"], numbers)] + [figures, "pass" if r["check"] else "FAIL"]
            lines.append("| " + " | ".join(cells) + " |")
    out.mkdir(parents=True, exist_ok=True)          # also when every script failed before writing anything
    tmp = out / ".results.md.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, out / "results.md")
    return len(lines) - 4


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run all tinynn examples.")
    parser.add_argument("--full", action="store_true", help="full mode (the sheets' settings) instead of --quick")
    parser.add_argument("--out", default="out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default=None, help="run only scripts whose name contains this text")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out).resolve()
    scripts = example_scripts(args.only)
    failed = []
    for i, script in enumerate(scripts, 1):
        start = time.perf_counter()
        (out / "results" / f"{script.stem}.json").unlink(missing_ok=True)  # no stale row if the script fails
        cmd = [sys.executable, str(script), "--out", str(out), "--seed", str(args.seed)]
        if not args.full:
            cmd.append("--quick")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
        print(f"[{i}/{len(scripts)}] {script.name:32s} {seconds:6.1f} s  {status}", flush=True)
        if proc.returncode != 0:
            failed.append(script.name)
            print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n", file=sys.stderr)
    rows = write_table(out)
    print(f"{rows} result rows written to {out / 'results.md'}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or not scripts else 0


if __name__ == "__main__":
    sys.exit(main())
