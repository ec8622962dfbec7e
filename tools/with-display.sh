#!/usr/bin/env bash
# Run a command with a display: the user's own when there is one, otherwise a private Xvfb.
set -euo pipefail
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    exec "$@"
fi
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "with-display: no display and no xvfb-run; run 'make system-deps' or install xvfb." >&2
    exit 1
fi
# Tell the program it has a virtual screen nobody sees (make demo then saves a screenshot).
export NAPARI_DERIVATIVES_VIRTUAL_DISPLAY=1
# xvfb-run takes the first display number without a lock file: two runs started at once (.ci/run
# runs two at a time) could both take it, and the second Xvfb fails. Each starts its search at a
# number of its own.
exec xvfb-run --auto-servernum --server-num=$((100 + $$ % 800)) \
    --server-args="-screen 0 1600x1000x24 +extension GLX" "$@"
