"""`import tinynn` stays light: the plumbing libraries (pooch, joblib, tqdm, threadpoolctl) and numba
are imported where they are used, never by the import itself (issue #16: import time under 0.3 s)."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pooch", "requests", "joblib", "tqdm", "numba", "threadpoolctl")


def loaded_after(statement):
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_import_tinynn_loads_none_of_the_heavy_libraries():
    assert loaded_after("import tinynn") == []


def test_datasets_and_classic_load_the_plumbing_only_when_used():
    """pooch, joblib and tqdm wait for a download, n_jobs > 1 or a progress bar."""
    assert set(loaded_after("import tinynn.datasets, tinynn.classic")) <= {"numba"}
    used = loaded_after("import numpy as np\nfrom tinynn.classic import DecisionTreeClassifier, GridSearchCV\n"
                        "X = np.arange(40.0).reshape(20, 2); y = np.arange(20) % 2\n"
                        "GridSearchCV(DecisionTreeClassifier(), {'max_depth': [1, 2]}, cv=2, n_jobs=2).fit(X, y)")
    assert "joblib" in used and "tqdm" not in used and "pooch" not in used
