#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu, as root, in /autograder/source).
set -euo pipefail
apt-get install -y python3 python3-pip >/dev/null
# From PyPI; to pin the exact kit you tested with, put its wheel beside this file and install that instead:
#   pip3 install /autograder/source/dropout_conformance-*.whl
pip3 install dropout-conformance
