#!/usr/bin/env bash
# Build the leaderboard from a results folder and save screenshots of its pages for review.
#
#   scripts/screenshot-leaderboard.sh RESULTS_DIR [OUT_DIR] [WIDTHxHEIGHT]
#
# Writes OUT_DIR/site/ (the site) and OUT_DIR/<page>.png for the home page and, per suite,
# the main table, the variant comparison, the English vs non-English page and the first task
# page. Needs Debian's chromium (apt-get install chromium); renders offline from file://.
set -euo pipefail

results=${1:?usage: $0 RESULTS_DIR [OUT_DIR] [WIDTHxHEIGHT]}
out=${2:-leaderboard-screenshots}
size=${3:-1400x1100}   # the wide tables are laid out to fit 1400 px
here=$(cd "$(dirname "$0")/.." && pwd)
harness=${HARNESS:-$here/.venv/bin/harness}
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "$0: $chromium not found; apt-get install chromium" >&2; exit 2; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
"$harness" leaderboard "$results" --site-dir "$out/site"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

shoot() {  # shoot PAGE PNG
  "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size="${size/x/,}" --screenshot="$2" "file://$out/site/$1" \
    >/dev/null 2>&1
  echo "$2"
}

shoot index.html "$out/index.png"
for suite_dir in "$out"/site/*/; do
  suite=$(basename "$suite_dir")
  [ "$suite" = assets ] && continue
  shoot "$suite/index.html" "$out/$suite-table.png"
  shoot "$suite/variants.html" "$out/$suite-variants.png"
  shoot "$suite/question.html" "$out/$suite-question.png"
  first_task=$(ls "$suite_dir/tasks" | head -n 1)
  shoot "$suite/tasks/$first_task" "$out/$suite-task-${first_task%.html}.png"
done
