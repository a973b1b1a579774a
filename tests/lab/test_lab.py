"""The lab as a new user meets it, after `make lab`: README's commands, copied verbatim, work.

Run by `tests/run.sh` (stage `lab`) right after `examples/lab/lab.sh up`, as root; every playbook
runs as the unprivileged controller account in its lab directory, as README tells a user to, over
SSH to the hosts' unprivileged account with -b.
"""

import json
import pathlib
import re
import shlex
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "platform"))
import controller  # noqa: E402  (tests/platform/controller.py: run as the operator)

LAB = controller.home() / "dockfleet-lab"
RECAP = re.compile(r"^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def readme_commands():
    """Every `ansible-playbook -i inventory -b ...` line of README's shell blocks a user can run on the lab
    as written (not the ones with placeholders for a real fleet: mgr-new, a vault file)."""
    text = (ROOT / "README.md").read_text()
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        # A command continued over lines with a trailing backslash is one command, as the shell reads it.
        lines = [line.split("  #")[0].rstrip() for line in block.splitlines()]
        for line in re.sub(r"\\\n\s*", " ", "\n".join(lines)).splitlines():
            command = line.strip()
            placeholder = "mgr-new" in command or "@vault.yml" in command or "~/.vault-pass" in command
            if command.startswith("ansible-playbook -i inventory -b") and not placeholder and command not in found:
                found.append(command)
    return found


def shell(command, timeout=1800):
    """Run a shell command line as the controller account in the lab directory; return (rc, output)."""
    result = controller.run(["bash", "-c", command], cwd=LAB, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def recap(output):
    return {host: (int(c), int(u), int(f)) for host, c, u, f in RECAP.findall(output)}


def ad_hoc(pattern, command, become=True):
    """{host: stdout} of an ad-hoc shell command run as the operator (JSON report, no screen scraping)."""
    rc, output = shell(
        "ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible -i inventory %s %s"
        " -m ansible.builtin.shell -a %s" % ("-b" if become else "", pattern, shlex.quote(command))
    )
    assert rc == 0, output[-3000:]
    report, _end = json.JSONDecoder().raw_decode(output[output.index("{") :])
    return {host: result["stdout"] for host, result in report["plays"][0]["tasks"][0]["hosts"].items()}


@pytest.fixture(scope="module")
def nodes():
    (output,) = ad_hoc("swarm_managers[0]", "docker node inspect $(docker node ls -q)").values()
    return json.loads(output)


def test_inventory_reaches_hosts_over_ssh_as_an_unprivileged_account():
    inventory = (LAB / "inventory" / "hosts.yml").read_text()
    assert "community.docker.docker" not in inventory
    assert "ansible_user: ops" in inventory
    assert set(ad_hoc("all", "id -un", become=False).values()) == {"ops"}  # the login
    assert set(ad_hoc("all", "id -un").values()) == {"root"}  # -b: sudo on the host
    assert len(ad_hoc("all", "true")) == 5
    assert (LAB / "known_hosts").read_text().count("ssh-ed25519") == 5


def test_lab_is_three_managers_and_two_workers_on_both_debian_releases(nodes):
    roles = sorted((n["Description"]["Hostname"], n["Spec"]["Role"], n["Status"]["State"]) for n in nodes)
    assert roles == [
        ("lab-manager-1", "manager", "ready"),
        ("lab-manager-2", "manager", "ready"),
        ("lab-manager-3", "manager", "ready"),
        ("lab-worker-1", "worker", "ready"),
        ("lab-worker-2", "worker", "ready"),
    ]
    assert all(n["Spec"]["Labels"]["zone"] in "abc" for n in nodes)
    releases = set(ad_hoc("all", ". /etc/os-release && echo $VERSION_CODENAME").values())
    assert releases == {"bookworm", "trixie"}


def test_site_rerun_changes_nothing():
    rc, output = shell("ansible-playbook -i inventory -b dockfleet.docker.site")
    assert rc == 0, output[-4000:]
    counts = recap(output)
    assert len(counts) == 5, output[-2000:]
    assert all(c == (0, 0, 0) for c in counts.values()), counts


def test_readme_commands_work_verbatim_as_the_controller_account():
    commands = readme_commands()
    # The lab's own section and the runbooks: site (dry run), backup, engine_upgrade pre-flight.
    assert any("dockfleet.docker.site --check --diff" in c for c in commands), commands
    assert any("dockfleet.docker.swarm_backup" in c for c in commands), commands
    assert any("dockfleet.docker.engine_upgrade" in c and "--check" in c for c in commands), commands
    assert any("dockfleet.docker.daemon_rolling" in c and "--check" in c for c in commands), commands
    for command in commands:
        rolling = "dockfleet.docker.engine_upgrade" in command or "dockfleet.docker.daemon_rolling" in command
        if rolling and "--check" not in command:
            continue  # the lab is converged already: the dry run proves the pre-flight and an empty plan
        rc, output = shell(command)
        assert rc == 0, "%s\n%s" % (command, output[-4000:])
        assert "sudo: a password is required" not in output
        # A runbook's plays for a stage with nothing to do match no host quietly.
        assert "Could not match supplied host pattern" not in output, "%s\n%s" % (command, output[-4000:])
        if "--check" in command:
            assert all(c[0] == 0 for c in recap(output).values()), (command, recap(output))


def test_backups_on_the_controller_belong_to_the_operator():
    backups = sorted(p for p in (controller.home() / "backups" / "swarm").glob("2*") if p.is_dir())
    assert backups, "README's backup command wrote no dated backup under ~/backups/swarm"
    operator = controller.account()
    latest = backups[-1]
    assert oct(latest.stat().st_mode & 0o777) == "0o700"
    files = list(latest.iterdir())
    assert sorted(p.suffix for p in files) == [".gz", ".json"], files
    for path in [latest, *files]:
        assert path.stat().st_uid == operator.pw_uid, path
    for path in files:
        assert oct(path.stat().st_mode & 0o777) == "0o600", path
