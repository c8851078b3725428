"""Grader outputs: every file the grader writes, one module per format, each a view of one ``GradeRun``.

Each module declares its :class:`~.common.Output` (command-line option, audience, writer), and
:data:`OUTPUTS` is the one list the command line reads. Who reads what decides what each may show:

- Gradescope's and PrairieLearn's results.json and the Markdown feedback are read by *students*: each clause shows
  its :meth:`~..model.ClauseScore.student` view (a hidden or unreleased clause: a fixed sentence
  of the kit's), and the submission's captured output never appears (student code can print the
  inputs of hidden checks).
- the CSV gradebook, the JSON reports, JUnit and the HTML class report are for *instructors*:
  every detail the kit states (for a hidden clause too: its inputs, the values the submission
  returned, its reproducer), and the submission's own words (exception texts, type names) only for
  visible clauses, so an instructor's file forwarded to a student (a gradebook comment, a CI log)
  carries no text the submission chose about a hidden clause. JUnit and the JSON and HTML reports
  also hold the captured output: do not publish them where students read them.

Every string that came from a student (names, reasons and details quoting their exceptions, output)
is escaped for the format it lands in. Every file is written atomically: a crash leaves the old file
or none, never half of one (a malformed results.json shows students "The autograder failed").
"""

from __future__ import annotations

from . import feedback as _feedback
from . import gradebook as _gradebook
from . import gradescope as _gradescope
from . import html as _html
from . import junit as _junit
from . import prairielearn as _prairielearn
from . import reports as _reports
from .common import Output, safe_names, slug, write_atomic
from .feedback import feedback, feedback_markdown
from .gradebook import csv_gradebook
from .gradescope import gradescope
from .html import html
from .junit import junit
from .prairielearn import prairielearn
from .reports import JSON_SCHEMA, json_reports, submission_record

OUTPUTS: tuple[Output, ...] = tuple(m.OUTPUT for m in (_gradescope, _prairielearn, _gradebook, _reports, _junit, _feedback, _html))
"""In the order ``--help`` lists them and the grader writes them."""

__all__ = [
    "JSON_SCHEMA", "OUTPUTS", "Output", "csv_gradebook", "feedback", "feedback_markdown", "gradescope", "html", "json_reports",
    "junit", "prairielearn", "safe_names", "slug", "submission_record", "write_atomic",
]
