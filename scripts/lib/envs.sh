# Finding interpreters and making the project's virtual environments.
#
# Sourced by scripts/test-all (one test environment per Python version) and
# scripts/demo (a private Python 2.7 environment for the demo), so that both
# find Python 2.7 and make its environment the same way.  Python 2.7 has no
# venv module: its environments come from virtualenv 20.21.1, the last that
# can make 2.7 environments, run from build/venvs/_tools on the newest
# Python 3 (requirements/virtualenv.txt).
#
# The sourcing script sets ROOT (the checkout) first.

BUILD=$ROOT/build
VENVS=$BUILD/venvs
TOOLS=$VENVS/_tools
STAGE=$BUILD/stage
# Bump to rebuild every cached environment when the way they are made changes.
ENV_RECIPE=2

export PIP_DISABLE_PIP_VERSION_CHECK=1
# pip on 2.7 would otherwise open every install with its end-of-life notice.
export PIP_NO_PYTHON_VERSION_WARNING=1

candidate_pythons() {
    # pyenv's builds, newest patch release first so that it wins its X.Y.
    # pyenv's shims are not used: a shim for a version that is not selected
    # (`pyenv global`) fails instead of running it.
    local versions=${PYENV_ROOT:-$HOME/.pyenv}/versions v name
    if [ -d "$versions" ]; then
        for v in $(ls -1 "$versions" | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -rV); do
            echo "$versions/$v/bin/python"
        done
    fi
    for name in python2.7 $(seq -f 'python3.%g' 6 40); do
        command -v "$name" 2>/dev/null
    done
}

# find_pythons fills PYTHONS[X.Y]=path with one CPython per version (2.7 and
# 3.6 or newer) and sets NEWEST_PYTHON to the newest Python 3 ('' if none).
declare -A PYTHONS=()
NEWEST_PYTHON=
find_pythons() {
    local python version
    while read -r python; do
        # A pyenv shim for a version that is not active fails here: skipped.
        version=$("$python" -c 'import platform, sys
if platform.python_implementation() == "CPython" and (sys.version_info[:2] == (2, 7) or sys.version_info >= (3, 6)):
    print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
        [ -n "$version" ] && [ -z "${PYTHONS[$version]:-}" ] && PYTHONS[$version]=$python
    done < <(candidate_pythons)
    for version in $(printf '%s\n' "${!PYTHONS[@]}" | sort -V); do
        [ "$version" = 2.7 ] || NEWEST_PYTHON=${PYTHONS[$version]}
    done
}

fingerprint() {  # PYTHON REQUIREMENTS [PIP_VERSION]: what a cached environment was made from
    { echo "$ENV_RECIPE $1 ${3:-}"; "$1" -c 'import sys; print(sys.version)'; cat ${2:+"$2"} </dev/null; } |
        sha256sum | cut -d' ' -f1
}

ensure_env() {  # DIR PYTHON REQUIREMENTS('' for none) CREATOR(venv|virtualenv) [PIP_VERSION]
    local dir=$1 python=$2 requirements=$3 creator=$4 pip=${5:-} recipe
    recipe=$(fingerprint "$python" "$requirements" "$pip")
    if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.sslbio-recipe" 2>/dev/null)" = "$recipe" ]; then
        echo "reusing $dir"
        return 0
    fi
    echo "creating $dir"
    rm -rf "$dir"
    case $creator in
        venv) "$python" -m venv "$dir" ;;
        virtualenv)
            [ -n "$NEWEST_PYTHON" ] ||
                { echo "no Python 3.6+ found: one is needed to make a 2.7 environment" >&2; false; } &&
            ensure_env "$TOOLS" "$NEWEST_PYTHON" "$ROOT/requirements/virtualenv.txt" venv &&
            "$TOOLS/bin/python" -m virtualenv -q --no-download --no-periodic-update \
                -p "$python" "$dir" ;;
    esac || return 1
    if [ -n "$pip" ]; then
        "$dir/bin/python" -m pip install -q "pip==$pip" || return 1
    fi
    if [ -n "$requirements" ]; then
        "$dir/bin/python" -m pip install -q -r "$requirements" || return 1
    fi
    echo "$recipe" > "$dir/.sslbio-recipe"
}

stage_project() {  # STAGE: a clean copy of the checkout to install from
    # Old pips copy the whole directory they install from (build/ with every
    # environment in it included), so they get a copy without it.
    local stage=$1
    rm -rf "$stage" && mkdir -p "$stage" || return 1
    tar -C "$ROOT" --exclude=./build --exclude=./dist --exclude=./.git \
        --exclude='*.egg-info' --exclude=__pycache__ --exclude='*.py[co]' \
        --exclude=.pytest_cache --exclude=.hypothesis -cf - . |
        tar -C "$stage" -xf -
}

install_project() {  # DIR STAGE: `pip install .` of a clean copy of the checkout
    local dir=$1 stage=$2
    stage_project "$stage" || return 1
    # A previous run's sslbio must not survive a failed install of this one.
    "$dir/bin/python" -m pip uninstall -q -y sslbio >/dev/null 2>&1
    (cd "$stage" && "$dir/bin/python" -m pip install -q .)
}
