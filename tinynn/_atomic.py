"""`atomic_write(path)`: the one way tinynn writes a file (checkpoints, figures, images).

The bytes go to a temporary file beside `path`, which is flushed to disk and renamed over `path`
(os.replace is atomic on one file system): a reader sees the old file or the new one, never half
of one, and a failed write leaves `path` as it was.

Three details a plain `tempfile.mkstemp` gets wrong:
- mode: mkstemp creates 0600 files; here a new file gets the mode the umask gives (0644 under
  umask 022), as `open(path, 'w')` would, and an existing file keeps its mode;
- leftovers: a process killed mid-write leaves its temporary file. Temporaries are named
  `.<name>.<host>.<pid>.<random>.tmp`, so the next write of the same target removes those of
  processes of this host that no longer run (a live writer's file is left alone);
- errors name the user's file (a missing directory, a directory in the way), not the temporary one.
"""
import contextlib
import os
import platform
import secrets


def _host():
    return "".join(c if c.isalnum() or c == "-" else "-" for c in platform.node()) or "host"


def _alive(pid):
    """Does process `pid` run? (On Windows os.kill would end it; there a writer's open file cannot be
    deleted anyway, so every temporary is tried and the removal of one in use fails quietly.)"""
    if os.name == "nt":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):      # another user's process: alive; odd numbers: leave it
        return True
    return True


def temporary_name(path, pid=None):
    """The temporary file name used for `path` by process `pid` (default: this one)."""
    folder, name = os.path.split(path)
    pid = os.getpid() if pid is None else pid
    return os.path.join(folder, f".{name}.{_host()}.{pid}.{secrets.token_hex(4)}.tmp")


def remove_stale(path):
    """Delete temporaries of `path` left by processes of this host that have died; returns their names."""
    folder, name = os.path.split(path)
    prefix = f".{name}.{_host()}."
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder or "."):
            if not (entry.startswith(prefix) and entry.endswith(".tmp")):
                continue
            pid = entry[len(prefix):].split(".")[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(folder, entry))
                    removed.append(os.path.join(folder, entry))
    return removed


def _check_target(path, what):
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        if os.path.exists(folder):
            raise NotADirectoryError(f"{what}: cannot write {path}: {folder} is a file, not a directory")
        raise FileNotFoundError(f"{what}: cannot write {path}: the directory {folder} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{what}: cannot write {path}: it is a directory")


def _denied(path, what):
    return PermissionError(f"{what}: cannot write {path}: no write permission in {os.path.dirname(path)}")


def check_writable(path, what="write"):
    """Raise now, naming `path`, if a file could not be written there (missing directory, no permission)."""
    path = os.path.abspath(os.fspath(path))
    _check_target(path, what)
    if not os.access(os.path.dirname(path), os.W_OK | os.X_OK):
        raise _denied(path, what)


@contextlib.contextmanager
def atomic_write(path, what="write"):
    """Context manager giving a binary file object; on normal exit its contents replace `path`.

    `what` names the caller in error messages (e.g. 'save'). A symlink is followed: its target is replaced.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.islink(path):
        path = os.path.realpath(path)
    _check_target(path, what)
    remove_stale(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    tmp = temporary_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except PermissionError:
        raise _denied(path, what) from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(err, OSError) and path not in str(err):        # e.g. a full disk: say which file
            raise type(err)(f"{what}: cannot write {path}: {err.strerror or err}") from err
        raise
