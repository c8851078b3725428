#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, when it builds the autograder image.
# It installs the kit from the wheel in this zip (no package index needs to know the kit) into a
# virtual environment of its own, with numpy, scipy, pytest and hypothesis pinned in
# requirements.txt to the versions the zip was built with. A venv needs no --break-system-packages
# on any Ubuntu image (PEP 668 guards the system Python, not a venv).
#   AUTOGRADER_ROOT  the /autograder folder (to try this locally)
#   DROPOUT_SKIP_APT=1  do not apt-get the Python (it is installed already)
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/dropout-venv"
VERSION="$(cat "$SOURCE/python-version")"
PYTHON="python$VERSION"

if [ -z "${DROPOUT_SKIP_APT:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >/dev/null
  if ! apt-get install -y --no-install-recommends "$PYTHON" "$PYTHON-venv" >/dev/null; then
    echo "setup.sh: this image's apt has no $PYTHON (the zip was built with Python $VERSION):" \
         "choose a base image that has it, or rebuild the zip from a Python that this image has" >&2
    exit 1
  fi
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --no-input --disable-pip-version-check -r "$SOURCE/requirements.txt" \
    "$SOURCE"/dropout_conformance-*.whl
chmod -R go+rX "$VENV"   # the sandboxed child, under a uid of its own, reads numpy from here
"$VENV/bin/python" -m dropout_conformance --version
