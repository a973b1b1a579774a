# Source this file to work with the dockfleet checkout as the CI does:
#   . tests/platform/env.sh
# shellcheck shell=bash
_dockfleet_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export DOCKFLEET_ROOT="$_dockfleet_root"
export PATH="$_dockfleet_root/.venv/bin:$PATH"
# The checkout is used as the collection dockfleet.docker through this path (made by
# bootstrap.sh); the collections that ship with the `ansible` package are found in the venv.
export ANSIBLE_COLLECTIONS_PATH="$_dockfleet_root/.cache/collections"
export ANSIBLE_ROLES_PATH="$_dockfleet_root/roles"
export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"
export ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-1}"
export PY_COLORS=0
export ANSIBLE_HOST_KEY_CHECKING=False
export ANSIBLE_LOCAL_TEMP="$_dockfleet_root/.cache/ansible-tmp"
export MOLECULE_GLOB="molecule/*/molecule.yml"
unset _dockfleet_root
