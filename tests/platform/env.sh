# Source this file to work with the dockfleet checkout as the CI does:
#   . tests/platform/env.sh
# shellcheck shell=bash
_dockfleet_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export DOCKFLEET_ROOT="$_dockfleet_root"
export PATH="${DOCKFLEET_VENV:-/opt/dockfleet/venv}/bin:$PATH"
# The controller account's key: the test hosts' `ops` account trusts it (bootstrap.sh makes it).
_dockfleet_home=$(getent passwd "${DOCKFLEET_CONTROLLER_USER:-fleetops}" | cut -d: -f6)
export DOCKFLEET_SSH_KEY="${_dockfleet_home:-/nonexistent}/.ssh/id_ed25519"
export DOCKFLEET_AUTHORIZED_KEYS="${DOCKFLEET_AUTHORIZED_KEYS:-/opt/dockfleet/authorized_keys}"
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
unset _dockfleet_root _dockfleet_home
