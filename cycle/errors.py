"""The one exception family the toolkit raises for bad input or failed runs."""

__all__ = ["CycleError", "InputError", "UnknownNameError", "OutOfRangeError"]


class CycleError(Exception):
    """Base class of every error ``cycle`` raises on purpose; its message is one plain line."""


class UnknownNameError(CycleError, KeyError):
    """A variable, lever or field name the model does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class OutOfRangeError(CycleError, ValueError):
    """A value outside the range the model declares for it."""


class InputError(CycleError, ValueError):
    """Input the toolkit cannot use (a malformed file, a variable that cannot be set, ...)."""
