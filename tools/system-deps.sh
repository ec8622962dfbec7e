#!/usr/bin/env bash
# Make sure the system libraries that napari's Qt/OpenGL stack needs, and Xvfb for running without
# a screen, are present. As root with apt-get they are installed; otherwise we print the exact
# command to run and fail, rather than letting Qt die later with a cryptic message.
set -euo pipefail

# What the xcb platform plugin and the Qt libraries of all three bindings (PyQt5, PyQt6, PySide6
# wheels, `make test-qt`) link to, found with ldd; Qt 6 adds libxcb-cursor0 to Qt 5's list.
packages=(
    xvfb xauth
    fonts-dejavu-core libgl1 libegl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
    libx11-6 libx11-xcb1 libxext6 libxkbcommon0 libxkbcommon-x11-0
    libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
    libxcb-xfixes0 libxcb-xinerama0 libxcb-xinput0 libxcb-xkb1
)

if ! command -v dpkg-query >/dev/null 2>&1; then
    if ! command -v Xvfb >/dev/null 2>&1 && [ -z "${DISPLAY:-}" ]; then
        echo "system-deps: no display and no Xvfb; install Xvfb and the OpenGL/xcb libraries" \
             "with your system's package manager (Debian names: ${packages[*]})." >&2
        exit 1
    fi
    exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == *"ok installed"* ]] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "system-deps: missing system packages: ${missing[*]}" >&2
    echo "system-deps: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
