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
exec xvfb-run --auto-servernum --server-args="-screen 0 1600x1000x24 +extension GLX" "$@"
