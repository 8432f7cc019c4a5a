#!/usr/bin/env bash
# What `make interop` needs beyond .venv: Node.js 18+ with npm (Debian 12 ships 18), the
# coordinator libraries pinned in tests/interop/js/package-lock.json, Debian's python3-electrum
# at the pinned version (run by the system python3), and the interop extra of pyproject.toml
# in .venv (python-bitcointx, the script interpreter that checks the finished transactions).
# Idempotent: apt only when node, npm or that Electrum is missing, `npm ci` only when
# node_modules is missing or older than the lock file.
# Fails (exit 1, one line saying what) rather than letting the interop suite skip.
set -euo pipefail
cd "$(dirname "$0")/.."
js=tests/interop/js

# apt-get install as root (or through sudo): apt_install WHAT PACKAGE...
apt_install() {
    local what=$1 sudo=""
    shift
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "interop-deps: need root or sudo to install $what" >&2; exit 1; fi
    fi
    echo "interop-deps: installing $what with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" \
        >/dev/null
}

need_node() {
    command -v node >/dev/null && command -v npm >/dev/null \
        && node -e 'process.exit(Number(process.versions.node.split(".")[0] < 18))'
}

if ! need_node; then
    apt_install "nodejs and npm" nodejs npm || true
    need_node || { echo "interop-deps: Node.js 18 or later with npm is needed" \
        "(found: $(node --version 2>/dev/null || echo none))" >&2; exit 1; }
fi

stamp=$js/node_modules/.airsign-installed
if [ ! -f "$stamp" ] || [ $js/package-lock.json -nt "$stamp" ] || [ $js/package.json -nt "$stamp" ]; then
    echo "interop-deps: npm ci in $js"
    if ! (cd $js && npm ci --no-audit --no-fund --loglevel=error); then
        echo "interop-deps: npm ci failed: the coordinator libraries in $js/package-lock.json" \
            "could not be installed" >&2
        exit 1
    fi
    touch "$stamp"
fi

# Electrum: Debian's package, exactly this version (tests/interop/test_electrum*.py).
electrum_version="4.3.4+dfsg1-1+deb12u2"
installed=$(dpkg-query -W -f='${Version}' python3-electrum 2>/dev/null || true)
if [ "$installed" != "$electrum_version" ]; then
    if ! apt_install "python3-electrum $electrum_version" \
            "python3-electrum=$electrum_version"; then
        echo "interop-deps: python3-electrum $electrum_version could not be installed" \
            "(apt-cache policy python3-electrum lists what this machine offers)" >&2
        exit 1
    fi
fi

# The interop extra in .venv (pinned in pyproject.toml), once per change of pyproject.toml.
stamp=.venv/.airsign-interop-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "interop-deps: installing the interop extra into .venv"
    .venv/bin/python -m pip install -q -e '.[interop]' \
        || { echo "interop-deps: pip could not install the interop extra" >&2; exit 1; }
    touch "$stamp"
fi
