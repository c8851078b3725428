#!/usr/bin/env bash
# PrairieLearn runs this in the grading container (info.json's "entrypoint"), as root, with the
# upload in /grade/student. The grader alone writes results.json, after the student's code
# (sandboxed in a child process) is gone. GRADE_ROOT lets you try it outside a container.
set -u
ROOT="${GRADE_ROOT:-/grade}"
PYTHON="${PYTHON:-python3}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"

"$PYTHON" -m dropout_conformance grade "$ROOT/student" \
    --rubric "$ROOT/tests/rubric.toml" \
    --prairielearn "$RESULTS" \
    --timeout 10 --submission-timeout 90 --memory 1G --jobs 1 --quiet
status=$?

if [ ! -s "$RESULTS" ]; then
  # The grader itself failed (not the student's code): not gradable, so the attempt is not counted.
  cat > "$RESULTS" <<JSON
{"gradable": false, "message": "The grader could not run (exit status $status). This submission was not counted; please tell your instructor."}
JSON
fi
exit 0  # PrairieLearn's grader host ignores results.json unless the entrypoint exits 0
