"""Issue 16, on real hosts: every bad input is refused, the message names the variable or option, and the hosts
are left as they were.

The converged hardened swarm (hardened-manager, hardened-worker) gets each input of the table below through
the collection as the operator runs it: the controller account `fleetops`, `ansible-playbook -i inventory -b`,
its installed copy of dockfleet.docker, over SSH as the hosts' unprivileged account. A role case includes the
role with the bad variables (role variables, above the inventory's); a module case calls the module with the
bad option. So that the table runs in a few minutes, the cases of one area run in one ansible-playbook
invocation, each case in its own block: the rescue keeps the failed task's message, and after every case each
host is read again (snapshot.yml: daemon.json checksum, packages and holds, when dockerd and chronyd started,
apt source and pin, chrony's configuration, networks and volumes by ID, node roles, availability and labels,
the swarm's settings, the ingress network). A case passes when the run failed on every host it targets, the
message names what is wrong, and no host differs from what it was just before the case.
"""

import collections
import difflib
import json

import conftest
import controller  # on sys.path through conftest: tests/platform/controller.py
import pytest
import yaml

MANAGER, WORKER, BOTH = [conftest.MANAGER], [conftest.WORKER], conftest.HOSTS
UNREACHABLE = "http://dockfleet-mirror.invalid/linux/debian"
NO_RESULT = "no failure result on this host"

Case = collections.namedtuple("Case", "id area target hosts inputs fragments host_facts")


def role(case_id, name, inputs, fragments, hosts=BOTH, host_facts=None):
    """A role case. host_facts: {host: {variable: (bad value, value to put back)}} for the variables the role reads
    of other hosts too (hostvars[...]), which role variables do not reach; they are set as host facts, as the
    inventory would set them, and put back after the case."""
    return Case(case_id, name, "role:" + name, hosts, inputs, fragments, host_facts or {})


def module(case_id, name, args, fragments, hosts=BOTH):
    return Case(case_id, "modules", name, hosts, args, fragments, {})


CASES = [
    # ------------------------------------------------------------ timesync
    role("timesync-server-not-a-host", "timesync", {"timesync_servers": [{"host": "not a host"}]},
         ['timesync_servers[0].host "not a host"']),
    role("timesync-pool-bad-name", "timesync", {"timesync_pools": [{"host": "pool_.example"}]},
         ['timesync_pools[0].host "pool_.example"']),
    role("timesync-clock-control-choice", "timesync", {"timesync_clock_control": "sometimes"},
         ["timesync_clock_control", "sometimes"]),
    role("timesync-max-offset-text", "timesync", {"timesync_max_offset": "fast"}, ["timesync_max_offset"]),
    role("timesync-serve-to-bad-network", "timesync", {"timesync_serve_to": ["10.0.0.0/40"]},
         ["timesync_serve_to", "10.0.0.0/40"]),
    role("timesync-extra-config-typo", "timesync", {"timesync_extra_config": ["serverr ntp.example.net"]},
         ["timesync_extra_config", "serverr"]),
    # ------------------------------------------------------------ daemon
    role("daemon-userns-remap-unknown-user", "daemon", {"daemon_userns_remap": "nosuchuser"},
         ["daemon_userns_remap", "nosuchuser"]),
    role("daemon-journald-with-max-file", "daemon",
         {"daemon_log_driver": "journald", "daemon_log_opts": {"max-file": "3"}},
         ["daemon_log_opts", "max-file", "journald"]),
    role("daemon-authorization-plugin-not-installed", "daemon",
         {"daemon_options": {"authorization-plugins": ["authz-broker"]}},
         ["daemon_options", "authz-broker", "not installed"]),
    role("daemon-unknown-key", "daemon", {"daemon_options": {"storage-drivr": "overlay2"}},
         ["daemon_options", "storage-drivr", "storage-driver"]),
    role("daemon-config-mode-choice", "daemon", {"daemon_config_mode": "overwrite"}, ["daemon_config_mode"]),
    role("daemon-log-driver-unknown", "daemon", {"daemon_log_driver": "carrier-pigeon"},
         ["daemon_log_driver", "carrier-pigeon"]),
    role("daemon-label-without-value", "daemon", {"daemon_labels": ["no equals sign"]},
         ["daemon_labels", "no equals sign"]),
    role("daemon-tls-port-out-of-range", "daemon", {"daemon_tls_port": 70000}, ["daemon_tls_port", "70000"]),
    role("daemon-api-timeout-text", "daemon", {"daemon_api_timeout": "soon"}, ["daemon_api_timeout"]),
    role("daemon-tls-san-without-type", "daemon", {"daemon_tls_extra_sans": ["not a san"]},
         ["daemon_tls_extra_sans", "not a san"]),
    # ------------------------------------------------------------ swarm
    role("swarm-label-key-empty", "swarm", {"swarm_labels": {"": "a"}}, ["swarm_labels", 'label keys ""']),
    role("swarm-label-key-space-equals", "swarm", {"swarm_labels": {"bad key=1": "1"}},
         ["swarm_labels", '"bad key=1"']),
    role("swarm-label-value-list", "swarm", {"swarm_labels": {"zone": ["a"]}}, ["swarm_labels", "zone"]),
    role("swarm-cert-expiry-bare-number", "swarm", {"swarm_cert_expiry": "90"}, ["swarm_cert_expiry", "90"]),
    role("swarm-cert-expiry-words", "swarm", {"swarm_cert_expiry": "ninety days"},
         ["swarm_cert_expiry", "ninety days"]),
    role("swarm-heartbeat-bad-unit", "swarm", {"swarm_dispatcher_heartbeat": "5x"},
         ["swarm_dispatcher_heartbeat", "5x"]),
    role("swarm-availability-choice", "swarm", {}, ["swarm_availability", "sleep"],
         host_facts={conftest.WORKER: {"swarm_availability": ("sleep", None)}}),
    role("swarm-labels-mode-choice", "swarm", {"swarm_labels_mode": "sometimes"}, ["swarm_labels_mode"]),
    role("swarm-task-history-negative", "swarm", {"swarm_task_history_limit": -5},
         ["swarm_task_history_limit", "-5"]),
    # ------------------------------------------------------------ resources
    role("resources-overlapping-subnets-in-the-set", "resources",
         {"resources_networks": [{"name": "hardened-a", "ipam_config": [{"subnet": "10.232.1.0/24"}]},
                                 {"name": "hardened-b", "ipam_config": [{"subnet": "10.232.1.128/25"}]}]},
         ["resources_networks", "10.232.1.128/25", "overlaps"]),
    role("resources-network-name-with-space", "resources", {"resources_networks": [{"name": "has space"}]},
         ["resources_networks", "has space"]),
    role("resources-overlay-overlaps-existing-network", "resources",
         {"resources_networks": [{"name": "hardened-clash", "driver": "overlay",
                                  "ipam_config": [{"subnet": "10.231.10.128/25"}]}]},
         ["resources_networks", "hardened-clash", "hardened-mesh"]),
    role("resources-gateway-outside-subnet", "resources",
         {"resources_networks": [{"name": "hardened-gw",
                                  "ipam_config": [{"subnet": "10.232.2.0/24", "gateway": "10.232.3.1"}]}]},
         ["resources_networks", "gateway 10.232.3.1", "10.232.2.0/24"]),
    role("resources-ip-range-outside-subnet", "resources",
         {"resources_networks": [{"name": "hardened-rg",
                                  "ipam_config": [{"subnet": "10.232.4.0/24", "iprange": "10.232.5.0/25"}]}]},
         ["resources_networks", "10.232.5.0/25"]),
    role("resources-overlaps-docker-bridge", "resources",
         {"resources_networks": [{"name": "hardened-shadow", "ipam_config": [{"subnet": "172.17.5.0/24"}]}]},
         ["resources_networks", "hardened-shadow", "bridge"]),
    role("resources-recreate-choice", "resources", {"resources_recreate": "sometimes"}, ["resources_recreate"]),
    role("resources-volume-name-with-slash", "resources", {"resources_volumes": [{"name": "bad/name"}]},
         ["resources_volumes", "bad/name"]),
    role("resources-ingress-overlaps-existing-network", "resources",
         {"resources_ingress": {"state": "present", "encrypted": True, "subnet": "10.231.10.0/25"}},
         ["resources_ingress", "10.231.10.0/25", "hardened-mesh"]),
    role("resources-ingress-state-choice", "resources", {"resources_ingress": {"state": "sideways"}},
         ["resources_ingress", "sideways"]),
    # ------------------------------------------------------------ modules, called directly
    module("swarm_node-label-key", "dockfleet.docker.swarm_node",
           {"node": conftest.WORKER, "labels": {"bad key=1": "1"}}, ["labels", "'bad key=1'"], hosts=MANAGER),
    module("swarm_node-label-value-dict", "dockfleet.docker.swarm_node",
           {"node": conftest.WORKER, "labels": {"zone": {"a": 1}}}, ["labels", "'zone'"], hosts=MANAGER),
    module("network-name-with-space", "dockfleet.docker.network", {"name": "two words"},
           ["network 'two words'", "white space"]),
    module("network-overlapping-set", "dockfleet.docker.network",
           {"networks": [{"name": "hardened-c", "ipam_config": [{"subnet": "10.233.0.0/24"}]},
                         {"name": "hardened-d", "ipam_config": [{"subnet": "10.233.0.0/16"}]}]},
           ["networks[1].ipam_config[0].subnet 10.233.0.0/16 overlaps"]),
    module("network-overlay-overlaps-existing", "dockfleet.docker.network",
           {"name": "hardened-clash", "driver": "overlay", "ipam_config": [{"subnet": "10.231.10.0/25"}]},
           ["ipam_config[0].subnet 10.231.10.0/25", "hardened-mesh"], hosts=MANAGER),
    module("daemon_config-journald-max-file", "dockfleet.docker.daemon_config",
           {"settings": {"log-driver": "journald", "log-opts": {"max-file": "3"}}},
           ["'log-opts'", "max-file", "journald"]),
    module("daemon_config-userns-unknown-user", "dockfleet.docker.daemon_config",
           {"settings": {"userns-remap": "nosuchuser"}}, ["userns-remap", "nosuchuser"]),
    module("daemon_config-plain-tcp-socket", "dockfleet.docker.daemon_config",
           {"settings": {"hosts": ["fd://", "tcp://0.0.0.0:2375"], "tlsverify": None}},
           ["allow_insecure_tcp", "tcp://0.0.0.0:2375"]),
    module("daemon_config-no-backups", "dockfleet.docker.daemon_config",
           {"settings": {"debug": False}, "backups_to_keep": 0}, ["backups_to_keep"]),
    module("swarm-node-cert-expiry-bare-number", "dockfleet.docker.swarm",
           {"state": "present", "node_cert_expiry": "90"}, ["node_cert_expiry", "90"], hosts=MANAGER),
    module("volume-recreate-choice", "dockfleet.docker.volume",
           {"volumes": [{"name": "hardened-v"}], "recreate": "sometimes"}, ["recreate", "sometimes"]),
    module("engine_package-version-not-in-repository", "dockfleet.docker.engine_package", {"version": "26.99"},
           ["version", "26.99"]),
    module("engine_package-version-not-a-version", "dockfleet.docker.engine_package", {"version": "banana"},
           ["version", "'banana'"]),
    module("engine_package-plugin-unknown", "dockfleet.docker.engine_package",
           {"version": "26.1", "plugins": ["kompose"]}, ["plugins", "'kompose'"]),
    module("engine_package-containerd-not-in-repository", "dockfleet.docker.engine_package",
           {"version": "26.1", "containerd_version": "9.9"}, ["containerd", "'9.9'"]),
    module("engine_package-downgrade-not-allowed", "dockfleet.docker.engine_package", {"version": "20.10"},
           ["allow_downgrade", "20.10"]),
    module("timesync_check-negative-offset", "dockfleet.docker.timesync_check", {"max_offset": -1},
           ["max_offset", "-1"]),
    # ------------------------------------------------------------ engine (last: the unreachable repository case has
    # been seen to rewrite the apt source, which would spoil every later case that reads the repository)
    role("engine-version-not-in-repository", "engine", {"engine_version": "26.99"}, ["engine_version", "26.99"]),
    role("engine-version-empty", "engine", {"engine_version": ""}, ["engine_version"]),
    role("engine-repository-choice", "engine", {"engine_repository": "ppa"}, ["engine_repository", "ppa"]),
    # A package to install (the buildx plugin is not installed) with the repository unreachable.
    role("engine-repository-unreachable-packages-needed", "engine",
         {"engine_plugins": ["buildx"], "engine_repository_url": UNREACHABLE,
          "engine_repository_key_url": UNREACHABLE + "/gpg"},
         ["engine_repository_url", UNREACHABLE]),
]  # fmt: skip

AREAS = list(dict.fromkeys(case.area for case in CASES))


def case_block(case):
    """One case as a block: run it, keep the refusal (or that there was none), on its hosts only."""
    if case.target.startswith("role:"):
        action = {
            "name": "%s: the %s role with the bad input" % (case.id, case.area),
            "ansible.builtin.include_role": {"name": "dockfleet.docker." + case.area},
            "vars": case.inputs,
        }
    else:
        action = {"name": "%s: %s with the bad input" % (case.id, case.target), case.target: case.inputs}
    set_facts, put_back = [], []
    for host, facts in case.host_facts.items():
        when = "inventory_hostname == %r" % host
        bad = {name: pair[0] for name, pair in facts.items()}
        good = {name: pair[1] for name, pair in facts.items()}
        set_facts.append(
            {"name": "%s: set the bad host variables" % case.id, "when": when, "ansible.builtin.set_fact": bad}
        )
        put_back.append(
            {"name": "%s: put the host variables back" % case.id, "when": when, "ansible.builtin.set_fact": good}
        )
    record = "{{ _hardened_cases | combine({%r: %s}) }}"
    # The message of the failed task, and of each item of a failed loop. Never the whole result: a module's result
    # echoes its arguments (invocation), which would name every option whatever the message says.
    refused = (
        "{'refused': true, 'task': ansible_failed_task.name | default(''), "
        "'msg': ansible_failed_result.msg | default('') | string, "
        "'item_msgs': ansible_failed_result.results | default([]) | map(attribute='msg', default='') | map('string') "
        "| select | list}"
    )
    return [
        # A task run once for all hosts (run_once) that fails, fails every host, but only the host it ran on gets
        # its result in ansible_failed_result; the others would keep the previous case's. Start each case from a
        # known one, so the test can tell them apart (NO_RESULT) and read the message where the task ran.
        {
            "name": "%s: forget the previous case's failure" % case.id,
            "block": [{"name": "%s: no failure yet" % case.id, "ansible.builtin.fail": {"msg": NO_RESULT}}],
            "rescue": [{"name": "%s: forgotten" % case.id, "ansible.builtin.meta": "noop"}],
        },
        {
            "name": "Case %s" % case.id,
            "when": "inventory_hostname in %r" % list(case.hosts),
            "block": [
                *set_facts,
                action,
                {"name": "%s: nothing refused it" % case.id,
                 "ansible.builtin.set_fact": {"_hardened_cases": record % (case.id, "{'refused': false}")}},
            ],
            "rescue": [
                {"name": "%s: refused" % case.id,
                 "ansible.builtin.set_fact": {"_hardened_cases": record % (case.id, refused)}},
            ],
            "always": put_back,
        },
        *snapshot_tasks(case.id),
    ]  # fmt: skip


def snapshot_tasks(step):
    """The tasks of snapshot.yml for one step, written into the play (an include per case costs time)."""
    tasks = yaml.safe_load((conftest.SCENARIO / "tasks" / "snapshot.yml").read_text())
    for task in tasks:
        task["name"] = "%s: %s" % (step, task["name"])
        task["vars"] = {"hardened_snapshot_step": step}
    return tasks


def area_playbook(area, cases, workspace):
    tasks = [
        {"name": "Start with no outcome", "ansible.builtin.set_fact": {"_hardened_cases": {}}},
        *snapshot_tasks("before"),
    ]  # fmt: skip
    for case in cases:
        tasks += case_block(case)
    tasks.append(
        {
            "name": "Hand the outcome of every case to the test",
            "ansible.builtin.copy": {
                "content": "{{ {'cases': _hardened_cases, 'snapshots': _hardened_snapshots} | to_nice_json }}",
                "dest": str(workspace / ("outcome-%s-{{ inventory_hostname }}.json" % area)),
                "mode": "0600",
            },
            "delegate_to": "localhost",
            "become": False,
        }
    )
    play = {"name": "Bad inputs: %s" % area, "hosts": "docker_hosts", "gather_facts": False, "tasks": tasks}
    path = workspace / ("bad-inputs-%s.yml" % area)
    path.write_text(yaml.safe_dump([play], sort_keys=False, width=1000))
    controller.give(path)
    return path


@pytest.fixture(scope="module")
def outcomes(operator_workspace):
    """{area: {host: outcome}} after running every area's playbook once, as the operator."""
    found = {}
    for area in AREAS:
        path = area_playbook(area, [c for c in CASES if c.area == area], operator_workspace)
        rc, output = controller.playbook("inventory/hosts.yml", str(path), cwd=operator_workspace, timeout=600)
        (operator_workspace / ("bad-inputs-%s.log" % area)).write_text(output)
        found[area] = {"rc": rc, "output": output, "hosts": {}}
        for host in conftest.HOSTS:
            result = operator_workspace / ("outcome-%s-%s.json" % (area, host))
            if result.exists():
                found[area]["hosts"][host] = json.loads(result.read_text())
    return found


def snapshot_around(outcome, step):
    """(lines before the step, lines after it) for one host's outcome."""
    steps = [s["step"] for s in outcome["snapshots"]]
    index = steps.index(step)
    return outcome["snapshots"][index - 1]["lines"], outcome["snapshots"][index]["lines"]


def test_the_table_has_at_least_30_bad_inputs_across_roles_and_modules():
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)
    assert set(AREAS) >= {"timesync", "engine", "daemon", "swarm", "resources", "modules"}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_naming_it_and_the_hosts_are_untouched(outcomes, case):
    """(a) the run failed on every host of the case, (b) the message names the variable or option, (c) no host
    differs from what it was just before the case. Every shortfall is reported, not only the first."""
    area = outcomes[case.area]
    problems, messages = [], {}
    for host in case.hosts:
        outcome = area["hosts"].get(host)
        assert outcome is not None, "%s left the play before the end: %s" % (host, area["output"][-3000:])
        result = outcome["cases"].get(case.id)
        assert result is not None, "the case did not run on %s" % host
        if not result["refused"]:
            problems.append("(a) %s: the bad input was accepted" % host)
        elif result["msg"] != NO_RESULT:  # a task run once for all hosts gives its result to one of them only
            messages[host] = result
    if len(problems) < len(case.hosts) and not messages:
        problems.append("(b) no host has the refusal's message")
    for host, result in messages.items():
        text = "\n".join([result["msg"], *result["item_msgs"]])
        missing = [fragment for fragment in case.fragments if fragment not in text]
        if missing:
            problems.append(
                "(b) %s: the message does not name %s:\n%s (task %r)" % (host, missing, text, result["task"])
            )
    for host in conftest.HOSTS:
        before, after = snapshot_around(area["hosts"][host], case.id)
        if after != before:
            problems.append("(c) %s changed:\n%s" % (host, "\n".join(difflib.unified_diff(before, after, lineterm=""))))
    assert not problems, "\n".join(problems)


def test_after_the_whole_table_the_hosts_are_as_before_it(outcomes):
    for host in conftest.HOSTS:
        first = outcomes[AREAS[0]]["hosts"][host]["snapshots"][0]["lines"]
        last = outcomes[AREAS[-1]]["hosts"][host]["snapshots"][-1]["lines"]
        assert last == first, "\n".join(difflib.unified_diff(first, last, lineterm=""))
