"""Is the kit's own reference, imported: the first thing a student who has read the kit tries.

The grader's integrity policy refuses it before the submission loads (docs/architecture.md,
"Integrity policy"): every clause 0, "imports dropout_reference, which this assignment does not allow".
"""

EXPECT_STATUS = "import error"
EXPECT_MAX_SCORE = 0

from dropout_reference import DropoutLayer
