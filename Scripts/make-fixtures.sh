#!/usr/bin/env bash
# Regenerates the committed test fixtures (Tests/Fixtures/<domain>/) from the Python reference libraries.
#   Scripts/make-fixtures.sh [domain ...]       (default: every Scripts/fixtures/*.py)
# Builds the reference environment first if needed (../shared/reference/setup.sh .reference).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! [ -x .reference/anchors/bin/python ]; then
  bash ../shared/reference/setup.sh .reference
fi
python=.reference/anchors/bin/python
domains=("$@")
if [ ${#domains[@]} -eq 0 ]; then
  for f in Scripts/fixtures/*.py; do domains+=("$(basename "$f" .py)"); done
fi
for d in "${domains[@]}"; do
  echo "== fixtures: $d =="
  "$python" "Scripts/fixtures/$d.py"
done
