# Sourced by scripts/test and scripts/demo (not run on its own).
# cd to the repo root and make sure .venv exists with the project installed
# (editable, with the [test] extras).  Needs only python3 >= 3.11 and access to
# the package index.  The install is skipped when pyproject.toml has not
# changed since the last one (stamp in .venv); OPERATOR_TUI_REINSTALL=1 forces it.

_venv_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

_venv_python=${PYTHON:-python3}
command -v "$_venv_python" >/dev/null 2>&1 || _venv_die "python3 not found (set PYTHON=/path/to/python3.11+)"
"$_venv_python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || _venv_die "$("$_venv_python" -V 2>&1) is too old; Python >= 3.11 is required (set PYTHON=...)"

if [ ! -x .venv/bin/python ]; then
    echo "$(basename "$0"): creating .venv ..." >&2
    if ! "$_venv_python" -m venv .venv >/dev/null 2>&1; then
        # Debian's python3 ships venv/ensurepip separately (python3-venv).
        rm -rf .venv
        _venv_pkg="python3.$("$_venv_python" -c 'import sys; print(sys.version_info[1])')-venv"
        if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
            echo "$(basename "$0"): python3 -m venv failed; installing $_venv_pkg ..." >&2
            { DEBIAN_FRONTEND=noninteractive apt-get update \
              && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$_venv_pkg"; } >&2 \
                || _venv_die "could not install $_venv_pkg"
            "$_venv_python" -m venv .venv || _venv_die "python3 -m venv .venv failed"
        else
            _venv_die "python3 -m venv failed; install the venv module (Debian: apt-get install $_venv_pkg)"
        fi
    fi
fi

_venv_stamp=.venv/.operator-tui-installed
_venv_want="$(.venv/bin/python -V 2>&1) $(cksum < pyproject.toml)"
if [ "${OPERATOR_TUI_REINSTALL:-0}" = 1 ] || [ ! -f "$_venv_stamp" ] \
        || [ "$(cat "$_venv_stamp")" != "$_venv_want" ]; then
    echo "$(basename "$0"): installing operator-tui and its test dependencies into .venv ..." >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' \
        || _venv_die "pip install -e '.[test]' failed"
    printf '%s\n' "$_venv_want" > "$_venv_stamp"
fi
