"""The ``sim`` console command's entry point: the few lines that run before anything else.

It imports the command line inside a ``try``, so that Ctrl-C while Python is still importing
says ``interrupted`` (exit 130) instead of a traceback; it refuses to run with standard output
closed (``sim ... >&-``), where everything printed would be lost silently; and it writes
standard output through a wrapper that names it, so that a failed write (``> /dev/full``)
ends with one line ``error: standard output: ...`` and a non-zero exit. Output piped into a
command that stops reading (``| head``) stays quiet and exits 0.
"""

from __future__ import annotations

import os
import sys

STDOUT = "standard output"


class _Named:
    """``sys.stdout``, with every error of a write or flush naming it."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror or str(exc), STDOUT) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror or str(exc), STDOUT) from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def quiet_stdout() -> None:
    """Point standard output at /dev/null so that the interpreter's last flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends


def main() -> int:
    try:
        if sys.stdout is None or not _usable(sys.stdout):
            print(f"error: {STDOUT} is closed: nothing would be shown; redirect it to a file "
                  "or to /dev/null instead", file=sys.stderr)  # fmt: skip
            return 2
        sys.stdout = _Named(sys.stdout)
        from sim.cli import main as run

        code = run()
        sys.stdout.flush()  # a full disk or /dev/full shows here, named, not at exit
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped (| head): quiet, as the reader wanted
        quiet_stdout()
        return 0
    except OSError as exc:  # only standard output's own flush can get here
        quiet_stdout()
        print(f"error: {exc.filename or STDOUT}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # Ctrl-C turned into another error by a library mid-import
        if not _caused_by_ctrl_c(exc):
            raise
        print("interrupted", file=sys.stderr)
        return 130


def _caused_by_ctrl_c(exc: BaseException | None) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _usable(stream) -> bool:
    """False when standard output's file descriptor is closed."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # not a file (a test's capture): usable
        return True
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
