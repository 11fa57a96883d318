"""Where commands write: every output path is built inside the folder the user named.

A name that comes from a file a user wrote (an experiment's or a structure's ``name``, an
outcome indicator's name) can end up in a path. :func:`inside` joins such names to the
folder and refuses, with one clear line, any result that would leave it (``../``, an
absolute path, a symbolic link pointing out), even if the name got past validation.
:func:`naming` makes an ``OSError`` that names no file (a full disk, say) name the one
being written, so that the command line can always say what failed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import SpecError


def inside(folder: str | os.PathLike, *names: str | os.PathLike) -> Path:
    """``folder / names...``, checked to stay under ``folder`` once resolved (``..``,
    absolute parts and symbolic links followed). Raises :class:`SpecError` otherwise."""
    base = Path(folder)
    path = base.joinpath(*names)
    root = base.resolve()
    target = path.resolve()
    if target != root and not target.is_relative_to(root):
        shown = "/".join(str(n) for n in names)
        raise SpecError(str(base), "", f"'{shown}' would be written outside this folder "
                        f"(at {target}); names must not hold '..' or '/'")  # fmt: skip
    return path


@contextmanager
def naming(path: str | os.PathLike) -> Iterator[None]:
    """Re-raise an ``OSError`` that names no file as one naming ``path``."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and not isinstance(exc, (BrokenPipeError, TimeoutError)):
            code = exc.errno or 5  # EIO when the library gave none
            text = exc.strerror or str(exc) or os.strerror(code)
            raise OSError(code, text, str(path)) from exc
        raise


def ensure_folder(folder: str | os.PathLike) -> Path:
    """Make ``folder`` (and its parents); a clear error if a file is in the way."""
    path = Path(folder)
    for part in (path, *path.parents):
        if part.exists() and not part.is_dir():
            raise SpecError(str(path), "", f"cannot be a folder: {part} is a file")
    with naming(path):
        path.mkdir(parents=True, exist_ok=True)
    return path


def replace_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, renamed into place."""
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        with naming(path):
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def folder_lock(folder: str | os.PathLike, what: str = "command") -> Iterator[None]:
    """Hold ``folder/.lock`` for the duration (an advisory ``flock``, released by the kernel
    when this process ends however it ends). A second command finds it held and is told, at
    once, that the folder is in use: :class:`SpecError`, never a wait."""
    import fcntl

    path = ensure_folder(folder) / ".lock"
    with naming(path):
        handle = open(path, "a+")  # noqa: SIM115 - held until the block ends
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SpecError(str(folder), "", f"in use by another command (a {what} is writing "
                            "here); wait for it to finish, or use another --out folder"
                            ) from None  # fmt: skip
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()
