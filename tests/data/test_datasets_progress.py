"""Progress bars (tqdm) on long library work: shown when asked, or on a terminal once the work is
slow; silent in pytest, pipes and CI logs by default; the results do not depend on them."""
import io
import sys

import numpy as np
import pytest

from tinynn import _progress
from tinynn.datasets import amplitudes, phi4


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_hmc_and_event_generation_show_a_bar_when_asked(capsys):
    quiet = phi4.hmc_phi4(0.27, n_chains=3, L=4, n_traj=7, seed=2)
    p_quiet, a_quiet = amplitudes.generate_amplitude_events(300, seed=1)
    assert capsys.readouterr().err == ""                           # default, not a terminal: silent
    loud = phi4.hmc_phi4(0.27, n_chains=3, L=4, n_traj=7, seed=2, progress=True)
    err = capsys.readouterr().err
    assert "HMC kappa=0.27" in err and "7/7" in err and "acceptance" in err
    p_loud, a_loud = amplitudes.generate_amplitude_events(300, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "amplitude events" in err and "300/300" in err
    assert np.array_equal(quiet.phi, loud.phi) and np.array_equal(p_quiet, p_loud)
    lattices, _ = phi4.generate_phi4_lattices([0.24, 0.3], 2, L=4, n_traj=3, progress=True)
    assert "HMC lattices" in capsys.readouterr().err and lattices.shape == (2, 2, 4, 4)


def test_the_default_shows_on_a_terminal_only_when_slow(monkeypatch):
    screen = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", screen)
    phi4.hmc_phi4(0.27, n_chains=2, L=4, n_traj=5)                 # fast: under DELAY, nothing drawn
    assert screen.getvalue() == ""
    monkeypatch.setattr(_progress, "DELAY", 0.0)                   # as if every step were slow
    phi4.hmc_phi4(0.27, n_chains=2, L=4, n_traj=5)
    assert "5/5" in screen.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())              # a log file: never by default
    assert not _progress.wanted(None) and _progress.wanted(True) and not _progress.wanted(False)


def test_bad_progress_values_and_options_are_refused():
    with pytest.raises(TypeError, match="progress must be None"):
        phi4.hmc_phi4(0.27, n_chains=2, L=4, n_traj=2, progress="yes")
    with pytest.raises(TypeError, match="n_trajectories"):
        phi4.generate_phi4_lattices([0.27], 2, n_trajectories=3)
    with pytest.raises(ValueError, match="n_traj must be a positive integer"):
        phi4.generate_phi4_lattices([0.27], 2, n_traj=0, progress=True)
