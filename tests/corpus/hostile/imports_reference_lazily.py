"""Validates p itself, then hands forward to the kit's reference, imported only when first called
(an import at the top would be refused before the submission loads).

The integrity policy's audit hook refuses the late import too: forward raises ImportError
("imports dropout_reference, which this assignment does not allow"), so every clause that calls it
scores 0; only init.invalid-p, which never does, keeps its point.
"""

import math

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 1


class DropoutLayer:
    def __init__(self, p):
        if isinstance(p, bool) or not isinstance(p, (int, float)) or math.isnan(p) or not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p!r}")
        self.p, self.inner = p, None

    def forward(self, x, training=True):
        if self.inner is None:
            from dropout_reference import DropoutLayer as Reference

            self.inner = Reference(self.p)
        return self.inner.forward(x, training=training)

    def backward(self, grad):
        return self.inner.backward(grad)
