"""Run the collection's playbooks from the tests as an operator does.

The operator is the unprivileged controller account made by ``bootstrap.sh`` (``fleetops``): not
root, no sudo rights on the controller, the collection installed in its own
``~/.ansible/collections`` from a built tarball, the test hosts reached over SSH as their
unprivileged ``ops`` account with ``-b``. Whatever it writes on the controller (backups, PKI)
lands in directories it owns. ``lib.sh``'s ``as_controller`` is the one way in; this module wraps
it for pytest.
"""

import os
import pathlib
import pwd
import shutil
import subprocess

PLATFORM = pathlib.Path(__file__).resolve().parent
USER = os.environ.get("DOCKFLEET_CONTROLLER_USER", "fleetops")


def account():
    return pwd.getpwnam(USER)


def home():
    return pathlib.Path(account().pw_dir)


def run(args, cwd=None, timeout=900):
    """Run ``args`` as the controller account (in ``cwd``, default its home); returns CompletedProcess."""
    env = dict(os.environ, CONTROLLER_CWD=str(cwd or home()))
    return subprocess.run(
        ["bash", "-c", '. "$0" && as_controller "$@"', str(PLATFORM / "lib.sh"), *[str(a) for a in args]],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def give(path):
    """Make ``path`` (recursively) the controller account's, as if it had written it."""
    uid, gid = account().pw_uid, account().pw_gid
    os.chown(path, uid, gid)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), uid, gid)


def workspace(name):
    """A fresh private directory of the controller account for one scenario's files."""
    path = home() / ".cache" / "dockfleet-tests" / name
    shutil.rmtree(path, ignore_errors=True)
    result = run(["mkdir", "-p", "-m", "0700", path])
    assert result.returncode == 0, result.stderr
    return path


def export_inventory(molecule_inventory, dest):
    """Write Molecule's inventory as one static YAML file the controller account reads.

    Molecule keeps its inventory under root's home; an operator has its own. Hosts, groups,
    variables and the SSH login (address, ``ops``, the controller's key) are all kept.
    """
    listing = subprocess.run(
        ["ansible-inventory", "-i", molecule_inventory, "--list", "--yaml", "--export"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    dest = pathlib.Path(dest)
    dest.write_text(listing)
    give(dest)
    return dest


def playbook(inventory, name, *extra_vars, check=False, cwd=None, timeout=900):
    """``ansible-playbook -i INVENTORY -b dockfleet.docker.NAME -e ...`` as the operator; returns (rc, output)."""
    args = ["ansible-playbook", "-i", inventory, "-b", name if "/" in name else "dockfleet.docker.%s" % name]
    if check:
        args.append("--check")
    for item in extra_vars:
        args += ["-e", item]
    result = run(args, cwd=cwd, timeout=timeout)
    return result.returncode, result.stdout + result.stderr
