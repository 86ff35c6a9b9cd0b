"""Run every example script (quick mode by default) and gather their results into OUT/results.md.

    python examples/run_all.py            # quick mode (the default here), figures and table under out/
    python examples/run_all.py --full     # the lecture sheets' settings (minutes)
    python examples/run_all.py --only s3  # scripts whose name contains "s3"

Each script's output is streamed as it runs, prefixed with its name, without progress bars (see
child_env). Exits non-zero if any example fails or any sanity check fails.
"""
import argparse
import collections
import json
import os
import pathlib
import re
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
SHEETS = ("S3", "R1", "S5", "H", "P", "X")   # the order of the lecture documents (EXERCISES.md)


def example_scripts(only=None):
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith(("_", "run_all")))
    return [p for p in scripts if only is None or only in p.stem]


def _cell(text):
    """Text for a Markdown table cell: a '|' (as in |m|) would end the cell, so it is escaped."""
    return str(text).replace("|", "\\|")


def id_key(exercise_id):
    """Sort key: sheet in document order, then the ID with its numbers compared as numbers (H2 < H10)."""
    sheet = next((i for i, s in enumerate(SHEETS) if re.match(rf"{s}[\d.-]", exercise_id)), len(SHEETS))
    parts = re.split(r"(\d+)", exercise_id)
    return sheet, [int(p) if i % 2 else p for i, p in enumerate(parts)]


def write_table(out):
    """OUT/results.md: the mode, then one row per exercise ID (sheet by sheet), from the scripts' JSON."""
    records = [json.loads(path.read_text()) for path in sorted((out / "results").glob("*.json"))]
    modes = sorted({"quick" if r["quick"] else "full" for r in records})
    mode = " and ".join(modes) if modes else "none"
    how = {"quick": "`python examples/run_all.py --quick`", "full": "`python examples/run_all.py --full`"}
    lines = [f"# Results — {mode} mode", "",
             f"Mode: **{mode}** ({how.get(mode, 'rows of different modes: re-run all scripts in one mode')}).", "",
             "| ID | what was computed | key numbers | figures | check |", "|---|---|---|---|---|"]
    rows = sorted((r for record in records for r in record["rows"]), key=lambda r: id_key(r["id"]))
    for r in rows:
        numbers = "; ".join(f"{k} = {v}" for k, v in r["numbers"].items())
        figures = " ".join(f"[{pathlib.Path(f).name}]({pathlib.Path(f).relative_to(out).as_posix()})"
                           if pathlib.Path(f).is_relative_to(out) else f for f in r["figures"])
        cells = [_cell(c) for c in (r["id"], r["what"], numbers)] + [figures, "pass" if r["check"] else "FAIL"]
        lines.append("| " + " | ".join(cells) + " |")
    out.mkdir(parents=True, exist_ok=True)          # also when every script failed before writing anything
    tmp = out / ".results.md.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, out / "results.md")
    return len(rows)


def child_env():
    """The environment each script runs in: unbuffered, so its output streams, and with tqdm's bars off
    (TQDM_DISABLE, read by tqdm >= 4.66). A bar redraws its line after a carriage return, which in the log
    becomes one line per update; the library's own bars already stay off in a pipe (tinynn/_progress.py),
    but the scripts also draw bars with tqdm directly, as a student would."""
    return dict(os.environ, PYTHONUNBUFFERED="1", TQDM_DISABLE="1")


def run_script(script, cmd):
    """Run one example, streaming its output line by line with the script's name in front; return
    (exit status, the last lines of its output) so a failure can be shown again at the end."""
    tail = collections.deque(maxlen=40)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                            env=child_env())
    for line in proc.stdout:
        tail.append(line.rstrip("\n"))
        print(f"  {script.stem}| {tail[-1]}", flush=True)
    return proc.wait(), "\n".join(tail)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run all tinynn examples.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="full", action="store_false", help="quick mode (the default here)")
    mode.add_argument("--full", dest="full", action="store_true", help="the lecture sheets' settings (minutes)")
    parser.set_defaults(full=False)
    parser.add_argument("--out", default="out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default=None, help="run only scripts whose name contains this text")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out).resolve()
    scripts = example_scripts(args.only)
    failed, begin = [], time.perf_counter()
    mode = "full" if args.full else "quick"
    print(f"running {len(scripts)} example scripts in {mode} mode, output under {out}", flush=True)
    for i, script in enumerate(scripts, 1):
        start = time.perf_counter()
        (out / "results" / f"{script.stem}.json").unlink(missing_ok=True)  # no stale row if the script fails
        cmd = [sys.executable, str(script), f"--{mode}", "--out", str(out), "--seed", str(args.seed)]
        print(f"[{i}/{len(scripts)}] {script.name} ...", flush=True)
        code, tail = run_script(script, cmd)
        seconds = time.perf_counter() - start
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"[{i}/{len(scripts)}] {script.name:32s} {seconds:6.1f} s  {status}", flush=True)
        if code != 0:
            failed.append(script.name)
            print(f"--- end of {script.name}'s output ---\n{tail}", file=sys.stderr)
    rows = write_table(out)
    print(f"{rows} result rows ({mode} mode, {time.perf_counter() - begin:.0f} s) written to {out / 'results.md'}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or not scripts else 0


if __name__ == "__main__":
    sys.exit(main())
