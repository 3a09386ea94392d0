"""The exception types the user sees as one ``error:`` line: bad input, and failed output.

Anything the user can get wrong (a drug name, a schedule, a dose, a `--set` value, a TOML file)
raises :class:`InputError` with a one-line message that names the field, says what was wrong and
what is allowed. The command line turns it into ``error: <message>`` and exit status 2.
"""


class InputError(ValueError):
    """Bad user input; ``str(err)`` is a complete one-line message for the user."""


class OutputError(OSError):
    """A result could not be written (disk full, unwritable directory); exit status 1.

    Raised after the partial file has been removed, so earlier results stay intact.
    """
