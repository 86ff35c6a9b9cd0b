"""Reading and writing data files safely: one error for a file that cannot be read (truncated,
corrupt, another layout), and new files with the mode the umask gives (not mkstemp's 0600)."""
import gzip
import os
import zlib
from contextlib import contextmanager
from pathlib import Path


class DatasetNotFoundError(FileNotFoundError):
    """No usable copy of a data file: says which file, where we looked, what sha256 we expect and
    where to get it. Raised for missing files and for files whose checksum does not match."""


class DataFileError(DatasetNotFoundError, ValueError):
    """A data file was found but cannot be read as what it should hold: truncated (a half-finished
    download), corrupt, or of another layout; the message names the file and what went wrong.
    Every loader raises it for such a file (those with a reference sha256 refuse it earlier, as a
    `DatasetNotFoundError`); it is also a ValueError, as numpy's parse errors were."""


@contextmanager
def reading(path, what):
    """Turn any failure while parsing ``path`` into a `DataFileError` naming the file.

    A truncated .gz ends in EOFError, a damaged one in zlib.error or BadGzipFile, a malformed table
    or array in numpy's ValueError; all of them become one error saying which file and what to do.
    """
    try:
        yield
    except DataFileError:
        raise
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise DataFileError(f"{path}: the file is truncated or corrupt (reading it as {what} failed: "
                            f"{err}); a download that stopped half-way looks like this: get the "
                            f"file again") from None
    except (ValueError, UnicodeDecodeError, IndexError) as err:
        raise DataFileError(f"{path}: cannot be read as {what}: {err} (a truncated or corrupt file, "
                            f"or a file of another layout)") from None


def open_maybe_gzip(path, mode="rb"):
    """Open a file, transparently decompressing when its name ends in .gz."""
    return gzip.open(path, mode) if str(path).endswith(".gz") else open(path, mode)


def check_complete_text(path):
    """Raise `DataFileError` if an uncompressed text table does not end with a newline: its last
    row was probably cut off, and a cut number would be read as another, wrong number."""
    if str(path).endswith(".gz"):
        return  # gzip's own length and CRC check catch a truncated .gz (EOFError above)
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            raise DataFileError(f"{path}: the file is empty")
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            raise DataFileError(f"{path}: the last line does not end with a newline, so the file looks "
                                f"truncated (its last number may be cut); get the file again, or if it "
                                f"is complete, add the final newline")


def umask_mode(base=0o666):
    """The mode a newly created file gets under this process's umask (0o644 under umask 022)."""
    try:
        with open("/proc/self/status") as fh:  # Linux: read without changing it (thread-safe)
            mask = next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        mask = os.umask(0o022)
        os.umask(mask)
    return base & ~mask


def publish(tmp, dest):
    """Give the finished temporary file ``tmp`` the umask's mode and rename it to ``dest`` (atomic)."""
    os.chmod(tmp, umask_mode())
    os.replace(tmp, dest)
    return Path(dest)
