"""The grader: many student submissions, each sandboxed, scored per clause, reported in the
formats graders already use. ``dropout-conformance grade --help`` is the front door."""
