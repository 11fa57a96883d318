"""User-facing errors: one line naming the file and the field."""

from __future__ import annotations


class SpecError(Exception):
    """A problem with something a user wrote (a YAML file or a command-line value).

    The command line prints ``error: FILE: FIELD: MESSAGE`` on one line and exits 2.
    """

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file = str(file)
        self.field = field
        self.message = message
        super().__init__(self.one_line())

    def __reduce__(self):
        return (SpecError, (self.file, self.field, self.message))

    def one_line(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"
