"""``python -m tinynn.datasets``: every data set, where its files were found, size, checksum, or how
to get them. Nothing is downloaded; run the loader (e.g. ``load_mnist()``) to download."""
import sys

from ._fetch import candidates, checksum_problem, download_target, env_data_dir, repo_data_dir
from ._registry import REGISTRY


def file_status(f):
    """(state, detail) for one registry file: ``ok`` / ``corrupt`` / ``missing`` and where or how."""
    corrupt = []
    for p in candidates(f):
        if p.is_file():
            problem = checksum_problem(p, f)
            if problem is None:
                check = "sha256 OK" if f.sha256 else "no reference sha256"
                return "ok", f"{p}  ({p.stat().st_size:,} bytes, {check})"
            corrupt.append(problem)
    if corrupt:
        return "corrupt", "; ".join(corrupt)
    target = download_target(f)
    if f.urls and target is not None:
        return "missing", f"the loader downloads it from {f.urls[0]} into {target}"
    return "missing", f.howto or "no public URL known"


def main(out=sys.stdout):
    """Print the table; return 1 if a required file is missing or corrupt, else 0."""
    print(f"$TINYNN_DATA = {env_data_dir() or '(unset)'};  repository data/ = {repo_data_dir()}", file=out)
    status = 0
    for entry in REGISTRY:
        tag = " (optional, larger original)" if entry.optional else ""
        print(f"\n{entry.name}{tag}: {entry.loader}(), exercise {entry.exercise}", file=out)
        for f in entry.files:
            state, detail = file_status(f)
            print(f"  [{state:7s}] {f.key}: {detail}", file=out)
            if state != "ok" and not entry.optional:
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
