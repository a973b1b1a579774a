# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_service as unit

DEBIAN_UNIT = """[Unit]
Description=Docker Application Container Engine
Requires=docker.socket

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID
"""

DOCKER_CE_UNIT = """[Service]
Type=notify
# the default is not to use systemd for cgroups
ExecStart=/usr/bin/dockerd -H fd:// \\
  --containerd=/run/containerd/containerd.sock
ExecReload=/bin/kill -s HUP $MAINPID
"""


def test_exec_start_of_the_debian_unit():
    assert unit.exec_start([DEBIAN_UNIT]) == "/usr/sbin/dockerd -H fd:// $DOCKER_OPTS"


def test_exec_start_follows_continuation_lines():
    assert unit.split_command(unit.exec_start([DOCKER_CE_UNIT])) == [
        "/usr/bin/dockerd",
        "-H",
        "fd://",
        "--containerd=/run/containerd/containerd.sock",
    ]


def test_exec_start_reset_by_a_dropin():
    dropin = "[Service]\nExecStart=\nExecStart=/opt/bin/dockerd --debug\n"
    assert unit.exec_start([DEBIAN_UNIT, dropin]) == "/opt/bin/dockerd --debug"
    assert unit.exec_start([DEBIAN_UNIT, "[Service]\nExecStart=\n"]) is None
    assert unit.exec_start(["[Unit]\nExecStart=/not/a/service\n"]) is None


def test_strip_host_flags_in_every_form():
    tokens = [
        "/usr/bin/dockerd",
        "-H",
        "fd://",
        "--host=unix:///x",
        "-H=tcp://a:1",
        "-Hfd://",
        "--host",
        "fd://",
        "--containerd=/run/containerd/containerd.sock",
        "$DOCKER_OPTS",
    ]
    assert unit.strip_host_flags(tokens) == [
        "/usr/bin/dockerd",
        "--containerd=/run/containerd/containerd.sock",
        "$DOCKER_OPTS",
    ]


def test_flag_keys_map_flags_to_daemon_json_keys():
    tokens = [
        "/usr/bin/dockerd",
        "-H",
        "fd://",
        "--containerd=/run/containerd/containerd.sock",
        "-D",
        "--label",
        "a=b",
        "--log-opt=max-size=1m",
        "--add-runtime",
        "x=/bin/x",
        "-s",
        "overlay2",
        "$DOCKER_OPTS",
    ]
    assert unit.flag_keys(tokens) == {"hosts", "containerd", "debug", "labels", "log-opts", "storage-driver"}


def test_conflicts_name_keys_given_both_ways():
    tokens = unit.split_command("/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock")
    assert unit.conflicts(tokens, {"hosts": ["fd://"], "containerd": "/x", "debug": True}) == ["containerd", "hosts"]
    assert unit.conflicts(unit.strip_host_flags(tokens), {"hosts": ["fd://"], "debug": True}) == []


def test_env_file_options():
    text = '# Docker Upstart and SysVinit configuration file\nexport http_proxy="x"\nDOCKER_OPTS="--dns 8.8.8.8 -H tcp://0.0.0.0:2375"\n'
    tokens = unit.env_file_options(text)
    assert tokens == ["--dns", "8.8.8.8", "-H", "tcp://0.0.0.0:2375"]
    assert unit.conflicts(tokens, {"hosts": ["fd://"], "dns": ["1.1.1.1"]}) == ["dns", "hosts"]
    assert unit.env_file_options('#DOCKER_OPTS="--dns 8.8.8.8"\n') == []


def test_uses_variable():
    assert unit.uses_variable(unit.split_command("/usr/sbin/dockerd -H fd:// $DOCKER_OPTS"))
    assert unit.uses_variable(["/usr/sbin/dockerd", "${DOCKER_OPTS}"])
    assert not unit.uses_variable(["/usr/bin/dockerd"])


def test_dropin_keeps_the_units_own_command():
    for text, expected in (
        (DEBIAN_UNIT, "ExecStart=/usr/sbin/dockerd $DOCKER_OPTS\n"),
        (DOCKER_CE_UNIT, "ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock\n"),
    ):
        dropin = unit.dropin_text(unit.split_command(unit.exec_start([text])))
        assert dropin.endswith("[Service]\nExecStart=\n" + expected)


# --- plan: the candidate against the unit's command line ----------------------------------

DEBIAN_TOKENS = unit.split_command(
    "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS"
)


def test_plan_hosts_needs_a_dropin_without_host_flags():
    errors, dropin = unit.plan(DEBIAN_TOKENS, {}, {"hosts": ["fd://", "tcp://0.0.0.0:2376"]})
    assert errors == []
    assert dropin.endswith("ExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n")


def test_plan_without_hosts_needs_no_dropin():
    assert unit.plan(DEBIAN_TOKENS, {}, {"debug": True}) == ([], None)


def test_plan_hosts_without_managing_the_flags_is_the_classic_conflict():
    errors, dropin = unit.plan(DEBIAN_TOKENS, {}, {"hosts": ["fd://"]}, manage_host_flags=False)
    assert dropin is None
    assert len(errors) == 1 and "daemon.json keys hosts are also set as flags on docker.service" in errors[0]


def test_plan_key_clashing_with_a_unit_flag():
    errors, _dropin = unit.plan(DEBIAN_TOKENS, {}, {"containerd": "/run/other.sock"})
    assert len(errors) == 1 and "keys containerd are also set as flags" in errors[0]


def test_plan_key_clashing_with_docker_opts():
    env = {"/etc/default/docker": ["--dns", "8.8.8.8"]}
    errors, _dropin = unit.plan(DEBIAN_TOKENS, env, {"dns": ["1.1.1.1"]})
    assert errors == [
        "daemon.json keys dns are also set as flags in DOCKER_OPTS in /etc/default/docker; dockerd refuses to start "
        "when a directive is given both ways. Remove them from DOCKER_OPTS."
    ]
    # A unit that does not expand DOCKER_OPTS ignores the file.
    assert unit.plan(unit.strip_host_flags(DEBIAN_TOKENS)[:-1], env, {"dns": ["1.1.1.1"]}) == ([], None)
