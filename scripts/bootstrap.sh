#!/usr/bin/env bash
# Make .venv ready on a fresh Debian / Ubuntu / Raspberry Pi OS machine. Idempotent:
# installs only what is missing. System packages go in with apt-get (as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "bootstrap: need root or sudo to install: $*" >&2; exit 1; fi
    fi
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
        $sudo apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null \
        || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null; }
}

missing=()
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv python3-pip)
# Read once, not piped into `grep -q`: grep stops at the first match, ldconfig dies of SIGPIPE,
# and pipefail would count the library as missing.
libraries=$(ldconfig -p)
grep -q 'libzbar.so.0' <<<"$libraries" || missing+=(libzbar0)
# opencv-python's wheel links against libGL and glib.
grep -q 'libGL.so.1' <<<"$libraries" || missing+=(libgl1)
grep -q 'libglib-2.0.so.0' <<<"$libraries" || missing+=(libglib2.0-0)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing system packages with apt-get: ${missing[*]}"
    apt_install "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    echo "bootstrap: creating .venv"
    python3 -m venv .venv
fi
stamp=.venv/.airsign-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
    # pip's own lines (Collecting..., download bars, Installing...) are the progress: a first
    # install downloads ~100 MB and takes a minute or more.
    echo "bootstrap: installing the Python packages into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install --progress-bar on -e '.[test]'
    touch "$stamp"
    echo "bootstrap: .venv is ready"
fi
