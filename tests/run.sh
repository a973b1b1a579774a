#!/usr/bin/env bash
# The test command (README: `make test`). On a fresh Debian machine with root it sets
# up everything first (docker engine, venv, host images, test mirror), then runs:
#   lint    yamllint, ansible-lint (production profile), ruff
#   sanity  ansible-test sanity on the collection (offline, see tests/sanity/)
#   unit    pytest tests/unit
#   oldest  unit tests and sanity again on the oldest ansible-core meta/runtime.yml claims
#           (tests/requirements-oldest.txt, its own venv)
#   molecule  every scenario in molecule/ (`molecule test`), default first
#   lab     README's first command (`make lab`: 3 managers, 2 workers), then tests/lab: the
#           site re-run changes nothing and README's commands work as the controller account
# and ends with a summary whose last line is "N passed, M failed".
#
# Usage: tests/run.sh [all|check|lint|sanity|build|unit|oldest|molecule|lab] [scenario...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
what=${1:-all}
shift || true

results=()
passed=0
failed=0
log_dir="$root/.cache/test-logs"

stage() {
  # stage NAME COMMAND...: run a stage, keep its output in a log, record the result.
  local name=$1 start rc
  shift
  start=$(date +%s)
  echo "=== $name"
  "$@" 2>&1 | tee "$log_dir/$name.log"
  rc=${PIPESTATUS[0]}
  local took=$(($(date +%s) - start))
  if [ "$rc" -eq 0 ]; then
    results+=("PASS  $name (${took}s)")
    passed=$((passed + 1))
  else
    results+=("FAIL  $name (${took}s, exit $rc, log: .cache/test-logs/$name.log)")
    failed=$((failed + 1))
  fi
}

lint() {
  yamllint -s . && ansible-lint --profile production --offline -q && ruff check . && ruff format --check .
}

sanity() {
  # ansible-test wants the collection under ansible_collections/<ns>/<name> and
  # downloads a pip bootstrap script from a host CI cannot reach: copy the tracked
  # files into place and give it the local stand-in (tests/sanity/get_pip_shim.py).
  # Outside the checkout: inside it, git would call the copy ignored and ansible-test
  # would find no targets.
  local work="${TMPDIR:-/tmp}/dockfleet-sanity" pip_version
  local dest="$work/ansible_collections/dockfleet/docker"
  rm -rf "$work" && mkdir -p "$dest"
  git ls-files -co --exclude-standard |
    while read -r f; do [ -e "$f" ] && echo "$f"; done | tar -cf - -T - | tar -C "$dest" -xf -
  pip_version=$(python -c 'from ansible_test._internal.python_requirements import PIP_VERSION as v; print(v)' 2>/dev/null ||
    python - <<'PY'
import re, ansible_test, pathlib
src = pathlib.Path(ansible_test.__file__).parent.joinpath("_internal/python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
  )
  mkdir -p ~/.ansible/test/cache
  cp tests/sanity/get_pip_shim.py ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"
  (cd "$dest" && ansible-test sanity --python 3.11 --venv --color no) 2>&1 | tee "$work/sanity.out"
  local rc=${PIPESTATUS[0]}
  if grep -q "All targets skipped" "$work/sanity.out"; then
    echo "ansible-test found nothing to test: treating that as a failure" >&2
    return 1
  fi
  return "$rc"
}

build() {
  # The collection as a user gets it: build the tarball, install it into an empty
  # collections path and render every module's documentation from there.
  local out="$root/.cache/build" installed="$root/.cache/build/collections" module rc=0
  rm -rf "$out" && mkdir -p "$out"
  ansible-galaxy collection build --force --output-path "$out" . >/dev/null || return 1
  ansible-galaxy collection install --force --no-deps -p "$installed" "$out"/dockfleet-docker-*.tar.gz >/dev/null || return 1
  for module in plugins/modules/*.py; do
    module=$(basename "$module" .py)
    # ansible-doc exits 0 even when it cannot load a module: check the JSON it returns.
    if ANSIBLE_COLLECTIONS_PATH="$installed" ansible-doc -j "dockfleet.docker.$module" 2>/dev/null |
      python -c 'import json, sys; m = sys.argv[1]; d = json.load(sys.stdin)[m]["doc"]; assert d["module"] and d["options"]' \
        "dockfleet.docker.$module"; then
      echo "ansible-doc dockfleet.docker.$module: ok"
    else
      echo "ansible-doc dockfleet.docker.$module: FAILED"
      rc=1
    fi
  done
  # The execution-environment definition must at least produce a build context.
  ansible-builder create -f execution-environment.yml --context "$out/ee" >/dev/null || {
    echo "execution-environment.yml: ansible-builder create FAILED"
    return 1
  }
  echo "execution-environment.yml: build context created"
  return $rc
}

unit() {
  local rc
  python -m pytest -q tests/unit
  rc=$?
  if [ $rc -eq 5 ]; then
    echo "pytest collected no unit tests: that is a broken suite, not a pass" >&2
  fi
  return $rc
}

oldest() {
  # The claim in meta/runtime.yml (requires_ansible) proven: unit tests and sanity on that ansible-core.
  local venv=${DOCKFLEET_VENV_OLDEST:-/opt/dockfleet/venv-oldest} stamp want
  stamp="$venv/.requirements"
  want=$(sha256sum tests/requirements-oldest.txt | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r tests/requirements-oldest.txt || return 1
    echo "$want" >"$stamp"
  fi
  "$venv/bin/ansible" --version | head -1
  PATH="$venv/bin:$PATH" python -m pytest -q tests/unit || return 1
  PATH="$venv/bin:$PATH" TMPDIR="${TMPDIR:-/tmp}/oldest" sanity
}

lab() {
  # README's own commands on the lab, as a new user meets them; the lab is removed afterwards.
  local rc
  bash examples/lab/lab.sh up && python -m pytest -q -p no:cacheprovider tests/lab
  rc=$?
  bash examples/lab/lab.sh down
  return $rc
}

molecule_all() {
  local scenarios=("$@") s
  if [ ${#scenarios[@]} -eq 0 ]; then
    scenarios=(default)
    for s in molecule/*/molecule.yml; do
      s=${s#molecule/}
      s=${s%/molecule.yml}
      [ "$s" = default ] || scenarios+=("$s")
    done
  fi
  for s in "${scenarios[@]}"; do
    stage "molecule-$s" molecule test -s "$s"
  done
}

mkdir -p "$log_dir"
suite_start=$(date +%s)
if [ "$what" != check ] || [ ! -x "${DOCKFLEET_VENV:-/opt/dockfleet/venv}/bin/ansible" ]; then
  stage bootstrap bash tests/platform/bootstrap.sh
else
  stage bootstrap bash -c '. tests/platform/lib.sh; ensure_docker_engine'
fi
# shellcheck source=tests/platform/env.sh
. tests/platform/env.sh

case "$what" in
  all)
    stage lint lint
    stage sanity sanity
    stage build build
    stage unit unit
    stage oldest oldest
    molecule_all "$@"
    [ $# -gt 0 ] || stage lab lab
    ;;
  check)
    stage lint lint
    stage sanity sanity
    stage build build
    stage unit unit
    stage oldest oldest
    ;;
  lint | sanity | build | unit | oldest | lab) stage "$what" "$what" ;;
  molecule) molecule_all "$@" ;;
  *)
    echo "usage: tests/run.sh [all|check|lint|sanity|build|unit|oldest|molecule|lab] [scenario...]" >&2
    exit 2
    ;;
esac

echo
echo "=== summary ($(($(date +%s) - suite_start))s)"
printf '%s\n' "${results[@]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
