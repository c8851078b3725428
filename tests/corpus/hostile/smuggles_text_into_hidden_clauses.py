"""Tries to get its own text, here the inputs the checks feed it, into what a student reads about
hidden clauses. Every message it produces holds MARKER and lines that start with ``expected:`` and
``got:``, the prefixes an older grader parsed to pick a clause's student-visible reason: the
exceptions it raises (their text, their class's name and ``__str__``), the name, ``__str__`` and
``__repr__`` of the object it returns at inference, and what it prints. A grader that rebuilds a
hidden clause's reason from text would show students MARKER and the hidden inputs. It drops
nothing correctly: 0 honest points."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 0

MARKER = "SMUGGLED-7F3A"


def _text(what, values=()):
    shown = [float(v) for v in np.ravel(values)[:4]]
    return f"{MARKER} {what}\nexpected: {MARKER} any input\ngot: {MARKER} hidden inputs {shown}\n  spec: {MARKER}"


Sneaky = type(f"got: {MARKER} exception", (RuntimeError,), {"__str__": lambda self: _text("__str__ of the exception")})
Smuggler = type(
    f"got: {MARKER} type",
    (),
    {"__str__": lambda self: _text("__str__"), "__repr__": lambda self: _text("__repr__")},
)


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise TypeError(_text("construction", [p]))
        self.p = p

    def forward(self, x, training=True):
        print(_text("printed", x), flush=True)  # unflushed output dies with the killed child
        if not training:
            return Smuggler()
        raise Sneaky(_text("forward", x))

    def backward(self, grad):
        raise AssertionError(_text("backward", grad))
