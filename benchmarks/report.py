"""Turning timings into rows (ratio, target, PASS/MISS), the printed table, and the result files.

A row compares tinynn with one reference: ratio = tinynn time / reference time (lower is better).
Rows with a target get PASS or MISS; rows without one are shown for information. Cold-start rows
have absolute targets in seconds instead of ratios.
"""
import json
import os
import tempfile

from case import REFERENCE_NAMES
from timing import format_seconds

NUMBERS = {"scalar": "1", "xor": "2", "susy64": "3", "susy1024": "3", "amplitude": "4", "mnist": "5",
           "phi4": "6", "conv_fwd": "7", "conv_fwdbwd": "7", "import": "8", "import_nn": "8", "first_conv": "8",
           "first_conv_nocache": "8", "first_conv_numpy": "8", "first_conv_numba": "8", "numba_ready": "8",
           "numba_ready_nocache": "8"}


def case_rows(case, stats, peak_gflops=None):
    """Rows for one timed Case: one per reference in case.targets (+ the machine limit if it has flops)."""
    t = stats["tinynn"]["median"]
    rows = []
    for ref, target in case.targets.items():
        if ref not in stats:
            continue
        row = _row(case, t, REFERENCE_NAMES.get(ref, ref), stats[ref]["median"], target)
        row["cpu_ratio"] = stats["tinynn"]["cpu_median"] / max(stats[ref]["cpu_median"], 1e-12)
        rows.append(row)
    if case.flops and peak_gflops:
        rows.append(_row(case, t, f"{REFERENCE_NAMES['peak']} ({peak_gflops:.0f} GFLOP/s)",
                         case.flops / (peak_gflops * 1e9), None))
    if case.flops:
        for row in rows:
            row["gflops"] = case.flops / t / 1e9
    return rows


def _row(case, t, ref_name, r, target):
    ratio = t / r
    title = case.title
    if "steps_per_epoch" in case.extra:
        n = case.extra["steps_per_epoch"]
        title += f" (epoch of {n} steps: tinynn {format_seconds(t * n)}, {ref_name} {format_seconds(r * n)})"
    return dict(number=NUMBERS.get(case.key, "—"), key=case.key, workload=title, unit=case.unit,
                tinynn=t, reference=ref_name, reference_time=r, ratio=ratio, target=target,
                passed=None if target is None else bool(ratio <= target), agreement=case.agreement,
                **case.extra)


def alone_row(case, interleaved, alone, torch_alone=None):
    """Each side alone in a fresh process (information): tinynn against PyTorch alone if measured,
    else against tinynn interleaved. The title gives the page faults per unit."""
    faults = f"page faults per {case.unit}: tinynn alone {alone['page_faults']:.0f}"
    if torch_alone is not None:
        reference, ref = "PyTorch alone", torch_alone
        faults += f", PyTorch alone {torch_alone['page_faults']:.0f}"
    else:
        reference, ref = "tinynn interleaved", interleaved
        faults += f", interleaved {interleaved['page_faults']:.0f}"
    return dict(number=NUMBERS.get(case.key, "—"), key=case.key + "_alone",
                workload=f"{case.title} — each alone in a fresh process ({faults})", unit=case.unit,
                tinynn=alone["median"], reference=reference, reference_time=ref["median"],
                ratio=alone["median"] / ref["median"], target=None, passed=None,
                cpu_ratio=alone["cpu_median"] / max(ref["cpu_median"], 1e-12))


def absolute_row(key, title, seconds, target, reference=None, reference_time=None):
    """A row with an absolute target in seconds (cold start)."""
    return dict(number=NUMBERS.get(key, "—"), key=key, workload=title, unit="s", tinynn=seconds,
                reference=reference or "—", reference_time=reference_time,
                ratio=seconds / reference_time if reference_time else None,
                target_seconds=target, passed=None if target is None else bool(seconds <= target))


QUICK = "quick: not meaningful"


def mark_quick(row):
    """A row of a --quick run: tiny sizes and few samples, so its numbers judge nothing. The row says
    so in its result column instead of PASS/MISS (the table itself, not only the README, tells)."""
    return dict(row, quick=True, passed=None)


def _target_text(row):
    if row.get("target_seconds") is not None:
        return f"≤ {format_seconds(row['target_seconds'])}"
    return "—" if row.get("target") is None else f"≤ {row['target']:g}"


def _result_text(row):
    if row.get("quick"):
        return QUICK
    return "—" if row["passed"] is None else ("PASS" if row["passed"] else "MISS")


HEADER = ("#", "workload", "tinynn", "reference", "ref. time", "ratio", "target", "result", "CPU-time ratio")


def _number(x):
    return "—" if x is None else f"{x:.3g}"


def table_cells(row):
    tinynn = format_seconds(row["tinynn"])
    if row.get("gflops"):
        tinynn += f" ({row['gflops']:.0f} GFLOP/s)"
    return (row["number"], row["workload"], tinynn, row["reference"], format_seconds(row["reference_time"]),
            _number(row["ratio"]), _target_text(row), _result_text(row), _number(row.get("cpu_ratio")))


def text_table(rows):
    """The table as aligned plain text (for the terminal)."""
    cells = [HEADER] + [table_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows):
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(table_cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def summary(rows):
    if any(r.get("quick") for r in rows):
        return "quick smoke run: no target judged (numbers not meaningful; run without --quick to judge)"
    judged = [r for r in rows if r["passed"] is not None]
    return f"{sum(r['passed'] for r in judged)} of {len(judged)} targets met"


def plot_title(meta):
    m = meta["machine"]
    return (("QUICK SMOKE RUN, numbers not meaningful\n" if meta["quick"] else "")
            + f"{meta['date']}, {m['host']} ({m['cores']} cores), {meta['threads']['requested']} thread(s), "
            f"load {meta['load_start']:.1f}")


def markdown(meta, rows):
    """The markdown report: when and where, thread counts, the table, notes."""
    m = meta["machine"]
    threads = meta["threads"]
    quick = " — QUICK SMOKE RUN, numbers not meaningful" if meta["quick"] else ""
    lines = [f"# tinynn benchmarks, {meta['date']} on {m['host']}{quick}", "",
             f"- machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, numpy {m['numpy']}, "
             f"numba {m['numba']}, PyTorch {meta.get('torch_version') or 'not installed'}",
             f"- threads: requested {threads['requested']}; numba {threads['numba']}, PyTorch "
             f"{threads.get('torch', '—')}, BLAS {threads['blas']} (via {threads['blas_source']})",
             f"- numpy float32 GEMM ({256 if meta['quick'] else 1024}³): {meta['gemm_gflops']:.1f} GFLOP/s; "
             f"tinynn's default kernels: {meta.get('kernel_backend')}",
             f"- load average at start {meta['load_start']:.2f}, at end {meta['load_end']:.2f}"
             + (" — the machine was shared, so timings are noisy" if meta["load_start"] > 0.7 * m["cores"] else ""),
             f"- timing: {meta['timing']}", f"- mode: {'quick (smoke run, numbers not meaningful)' if meta['quick'] else 'full'}",
             "", markdown_table(rows), "",
             f"{summary(rows)}. ratio = tinynn time / reference time (wall clock, lower is better); the verdict uses "
             "it. CPU-time ratio: the same with the process's CPU time (all threads), less disturbed by other "
             "programs but counting threads that spin while waiting."]
    return "\n".join(lines) + "\n"


def _atomic_write(path, write):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_text(path, text):
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    _atomic_write(path, write)


def write_json(path, data):
    write_text(path, json.dumps(data, indent=1, default=float) + "\n")


SHORT = {"scalar": "1 scalar engine", "xor": "2 XOR training", "susy64": "3 SUSY step, bs 64",
         "susy1024": "3 SUSY step, bs 1024", "amplitude": "4 amplitude step", "mnist": "5 MNIST CNN step",
         "phi4": "6 φ⁴ CNN step", "conv_fwd": "7 conv forward", "conv_fwdbwd": "7 conv fwd+bwd"}


def plot(path, rows, title=None):
    """One bar per judged ratio (tinynn / reference, log scale): green PASS, red MISS, black tick = target."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [r for r in rows if r["ratio"] is not None and r.get("target") is not None][::-1]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 1.3))
    for i, r in enumerate(rows):
        ax.barh(i, r["ratio"], color="tab:grey" if r.get("quick") else "tab:green" if r["passed"] else "tab:red")
        ax.plot([r["target"]] * 2, [i - 0.42, i + 0.42], color="black", lw=2)
        ax.text(max(r["ratio"], r["target"]) * 1.06, i, f"{r['ratio']:.2f}", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{SHORT.get(r['key'], r['key'])} vs {r['reference']}" for r in rows], fontsize=8)
    ax.set_xscale("log")
    ticks = [t for t in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if t <= 2 * max(r["ratio"] for r in rows)]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("time ratio tinynn / reference (lower is better; black tick = target)")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()

    def write(tmp):
        fig.savefig(tmp, dpi=120, format="png")
    _atomic_write(path, write)
    plt.close(fig)
    return path
