"""Networks and volumes declared by the resources role, on a 1-manager + 1-worker swarm.

The first tests check what converge left on the engines. The tests after them run the
scenario's converge playbook again from the controller with a changed declaration and
check the engines afterwards: drift policy, in-use refusal, forced reconnect, exclusive
cleanup and check mode. They run in file order and build on each other.
"""

import copy
import json
import os
import pathlib
import re
import subprocess
import tempfile

import pytest
import testinfra
import yaml

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
DECLARATION = yaml.safe_load((SCENARIO / "vars" / "declaration.yml").read_text())
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
MANAGER_NAME = "resources-manager-1"
WORKER_NAME = "resources-worker-1"
MANAGED = "io.dockfleet.managed"


def engine_host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


@pytest.fixture(scope="module")
def manager():
    return engine_host(MANAGER_NAME)


@pytest.fixture(scope="module")
def worker():
    return engine_host(WORKER_NAME)


def inspect(host, kind, name):
    out = host.run("docker %s inspect %s" % (kind, name))
    assert out.rc == 0, out.stderr
    return json.loads(out.stdout)[0]


def exists(host, kind, name):
    return host.run("docker %s inspect %s" % (kind, name)).rc == 0


def snapshot(host):
    """Every network and volume with its id and labels: what check mode must leave alone."""
    # A worker shows a swarm-scoped network only while a container of its own is attached (the engine drops it
    # lazily afterwards): those come and go by themselves and are the manager's objects, compared there.
    scope = "--filter scope=local " if host.backend.host != MANAGER_NAME else ""
    networks = host.check_output(
        "docker network ls -q --no-trunc %s| xargs docker network inspect "
        "--format '{{.Name}} {{.Id}} {{json .Labels}}' | sort" % scope
    )
    volumes = host.check_output(
        "docker volume ls -q | xargs -r docker volume inspect "
        "--format '{{.Name}} {{.CreatedAt}} {{json .Labels}} {{json .Options}}' | sort"
    )
    return networks, volumes


def declaration(networks=None, volumes=None, **extra):
    """The scenario's declaration with some entries replaced (by name) or dropped (value None)."""
    result = copy.deepcopy(DECLARATION)
    for key, changes in (("resources_networks", networks or {}), ("resources_volumes", volumes or {})):
        entries = []
        for entry in result[key]:
            if entry["name"] in changes:
                if changes[entry["name"]] is not None:
                    entries.append(changes[entry["name"]])
            else:
                entries.append(entry)
        result[key] = entries
    result.update(extra)
    return result


def with_labels(kind, name, labels):
    entry = copy.deepcopy(next(e for e in DECLARATION["resources_" + kind] if e["name"] == name))
    entry["labels"] = labels
    return entry


def converge(variables, check=False):
    """Run the scenario's converge playbook with ``variables`` as extra vars; return (rc, output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(variables, handle)
    command = ["ansible-playbook", "-i", INVENTORY, str(SCENARIO / "converge.yml"), "-e", "@" + handle.name]
    if check:
        command.append("--check")
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=str(SCENARIO), check=False
    )
    os.unlink(handle.name)
    return done.returncode, done.stdout


def changes(output, host_name):
    match = re.search(r"^%s\s*:\s*ok=\d+\s+changed=(\d+)" % re.escape(host_name), output, re.M)
    assert match, output
    return int(match.group(1))


# --------------------------------------------------------------------------- converged state


def test_bridge_network_matches_its_declaration(host):
    frontend = inspect(host, "network", "frontend")
    assert frontend["Driver"] == "bridge"
    assert frontend["IPAM"]["Config"] == [
        {
            "Subnet": "10.61.0.0/24",
            "Gateway": "10.61.0.1",
            "IPRange": "10.61.0.128/25",
            "AuxiliaryAddresses": {"router": "10.61.0.2"},
        }
    ]
    assert frontend["Options"]["com.docker.network.driver.mtu"] == "1400"
    assert frontend["Labels"] == {"team": "web", "tier": "edge", MANAGED: "true"}
    backend = inspect(host, "network", "backend")
    assert backend["Internal"] is True
    assert backend["Labels"] == {MANAGED: "true"}
    lan = inspect(host, "network", "lan")
    assert (lan["Driver"], lan["Options"]) == ("macvlan", {"parent": "eth0"})
    dualstack = inspect(host, "network", "dualstack")
    assert dualstack["EnableIPv6"] is True
    assert sorted(c["Subnet"] for c in dualstack["IPAM"]["Config"]) == ["10.62.0.0/24", "fd00:62::/64"]


def test_volumes_match_their_declaration_and_mount_as_declared(host):
    assert inspect(host, "volume", "app-data")["Labels"] == {"backup": "daily", MANAGED: "true"}
    scratch = inspect(host, "volume", "scratch")
    assert scratch["Options"] == {"type": "tmpfs", "device": "tmpfs", "o": "size=16m"}
    mounted = host.run("docker run --rm -v scratch:/scratch dockfleet/busybox:latest grep ' /scratch ' /proc/mounts")
    assert mounted.rc == 0, mounted.stderr
    assert mounted.stdout.startswith("tmpfs /scratch tmpfs") and "size=16384k" in mounted.stdout


def test_overlays_exist_on_the_manager_as_declared(manager):
    mesh = inspect(manager, "network", "mesh")
    assert (mesh["Driver"], mesh["Scope"], mesh["Attachable"]) == ("overlay", "swarm", True)
    assert "encrypted" in mesh["Options"]
    assert mesh["IPAM"]["Config"] == [{"Subnet": "10.60.0.0/24", "Gateway": "10.60.0.1"}]
    assert mesh["Labels"] == {"tier": "mesh", MANAGED: "true"}
    auto = inspect(manager, "network", "mesh-auto")
    assert auto["Attachable"] is True and "encrypted" not in (auto["Options"] or {})
    assert auto["IPAM"]["Config"], "the engine assigns a subnet when none is declared"


def test_attachable_overlay_works_from_the_worker(worker):
    # The worker never declared the overlay; it joins it because the manager made it attachable.
    out = worker.run("docker run --rm --network mesh-auto dockfleet/busybox:latest ip -4 -o addr show eth0")
    assert out.rc == 0, out.stderr
    subnet = inspect(engine_host(MANAGER_NAME), "network", "mesh-auto")["IPAM"]["Config"][0]["Subnet"]
    assert subnet.rsplit(".", 2)[0] in out.stdout


# --------------------------------------------------------------------------- behaviour (run in order)


def test_check_mode_changes_nothing(manager, worker):
    before = (snapshot(manager), snapshot(worker))
    variables = declaration(
        networks={"frontend": with_labels("networks", "frontend", {"team": "ops"}), "backend": None},
        volumes={"scratch": None},
        resources_recreate="when_unused",
    )
    variables["resources_networks"].append({"name": "extra", "labels": {"added": "by-check"}})
    rc, output = converge(variables, check=True)
    assert rc == 0, output
    assert changes(output, MANAGER_NAME) > 0 and changes(output, WORKER_NAME) > 0, output
    assert (snapshot(manager), snapshot(worker)) == before


def test_invalid_declaration_fails_clearly_and_changes_nothing(manager, worker):
    before = (snapshot(manager), snapshot(worker))
    # A valid new overlay (declared on the manager first) and volume come with the broken entry: the
    # role's preflight must stop every host before any of them is created.
    broken = {"name": "frontend", "ipam_config": [{"subnet": "10.61.0.0/24", "gateway": "10.99.0.1"}]}
    variables = declaration(networks={"frontend": broken}, resources_recreate="always")
    variables["resources_networks"].append({"name": "mesh-new", "driver": "overlay"})
    variables["resources_volumes"].append({"name": "new-volume"})
    rc, output = converge(variables)
    assert rc != 0
    assert "gateway 10.99.0.1 is outside subnet 10.61.0.0/24" in output
    assert (snapshot(manager), snapshot(worker)) == before


def test_label_change_with_recreate_never_fails_listing_the_difference(manager, worker):
    ids = [inspect(h, "network", "frontend")["Id"] for h in (manager, worker)]
    rc, output = converge(declaration(networks={"frontend": with_labels("networks", "frontend", {"team": "api"})}))
    assert rc != 0
    assert "network 'frontend' differs from its declaration (labels: declared {'team': 'api'}" in output
    assert "set recreate: when_unused" in output
    assert [inspect(h, "network", "frontend")["Id"] for h in (manager, worker)] == ids


def test_label_change_with_when_unused_recreates(manager, worker):
    ids = [inspect(h, "network", "frontend")["Id"] for h in (manager, worker)]
    variables = declaration(
        networks={"frontend": with_labels("networks", "frontend", {"team": "api"})},
        volumes={"app-data": with_labels("volumes", "app-data", {"backup": "weekly"})},
        resources_recreate="when_unused",
    )
    rc, output = converge(variables)
    assert rc == 0, output
    for host, old_id in zip((manager, worker), ids):
        frontend = inspect(host, "network", "frontend")
        assert frontend["Id"] != old_id
        assert frontend["Labels"] == {"team": "api", MANAGED: "true"}
        assert frontend["IPAM"]["Config"][0]["Subnet"] == "10.61.0.0/24"
        assert inspect(host, "volume", "app-data")["Labels"] == {"backup": "weekly", MANAGED: "true"}


def test_in_use_network_with_drift_fails_naming_the_container(manager):
    started = manager.run(
        "docker run -d --name web-1 --network frontend --network-alias web dockfleet/busybox:latest sleep 600"
    )
    assert started.rc == 0, started.stderr
    network_id = inspect(manager, "network", "frontend")["Id"]
    # recreate: always without force refuses the same way (unit-tested in test_resource_diff.py).
    variables = declaration(
        networks={"frontend": with_labels("networks", "frontend", {"team": "ops"})}, resources_recreate="when_unused"
    )
    rc, output = converge(variables)
    assert rc != 0
    assert "network 'frontend' is in use by container web-1" in output, output
    assert "Nothing was changed" in output
    assert inspect(manager, "network", "frontend")["Id"] == network_id
    assert inspect(manager, "container", "web-1")["NetworkSettings"]["Networks"]["frontend"]["NetworkID"] == network_id


def test_always_with_force_recreates_and_reconnects_the_container(manager):
    old_id = inspect(manager, "network", "frontend")["Id"]
    variables = declaration(
        networks={"frontend": with_labels("networks", "frontend", {"team": "ops"})},
        resources_recreate="always",
        resources_force=True,
    )
    rc, output = converge(variables)
    assert rc == 0, output
    frontend = inspect(manager, "network", "frontend")
    assert frontend["Id"] != old_id and frontend["Labels"]["team"] == "ops"
    container = inspect(manager, "container", "web-1")
    assert container["State"]["Running"] is True
    endpoint = container["NetworkSettings"]["Networks"]["frontend"]
    assert endpoint["NetworkID"] == frontend["Id"]
    assert "web" in endpoint["Aliases"]
    assert manager.run("docker rm -f web-1").rc == 0


def after_exclusive(**extra):
    """The declaration from the exclusive test on: frontend relabelled, backend, mesh-auto and scratch dropped.
    The tests after it declare this, so that only what they change differs."""
    return declaration(
        networks={"frontend": with_labels("networks", "frontend", {"team": "ops"}), "backend": None, "mesh-auto": None},
        volumes={"scratch": None},
        **extra,
    )


def test_exclusive_removes_only_managed_leftovers(manager, worker):
    for host in (manager, worker):
        if not exists(host, "network", "handmade-net"):
            assert host.run("docker network create --label owner=someone-else handmade-net").rc == 0
        assert host.run("docker volume create handmade-vol").rc == 0
    kept = dict((h.backend.host, inspect(h, "network", "frontend")["Id"]) for h in (manager, worker))
    mesh_id = inspect(manager, "network", "mesh")["Id"]
    variables = after_exclusive()
    rc, output = converge(variables)
    assert rc == 0, output
    for host in (manager, worker):
        assert not exists(host, "network", "backend")
        assert not exists(host, "volume", "scratch")
        assert exists(host, "network", "handmade-net") and exists(host, "volume", "handmade-vol")
        assert inspect(host, "network", "frontend")["Id"] == kept[host.backend.host]
        assert exists(host, "volume", "app-data")
    assert not exists(manager, "network", "mesh-auto")
    assert inspect(manager, "network", "mesh")["Id"] == mesh_id
    rc, output = converge(variables)
    assert rc == 0 and changes(output, MANAGER_NAME) == 0 and changes(output, WORKER_NAME) == 0, output


# --------------------------------------------------------------------------- the ingress network (CIS 7.3)


def service_names_in(output):
    return set(re.findall(r"service (web-\w+)", output))


def test_ingress_is_replaced_by_the_declared_encrypted_one(manager):
    ingress = inspect(manager, "network", "ingress")
    assert ingress["Ingress"] is True and ingress["Driver"] == "overlay"
    assert "encrypted" in ingress["Options"]
    assert ingress["IPAM"]["Config"] == [{"Subnet": "10.64.0.0/24", "Gateway": "10.64.0.1"}]


def test_ingress_change_is_refused_while_a_service_publishes_through_it(manager, worker):
    for name, publish in (
        ("web-mesh", "published=18080,target=80"),
        ("web-host", "mode=host,published=18081,target=80"),
    ):
        created = manager.run(
            "docker service create -d --name %s --publish %s dockfleet/busybox:latest sleep 600" % (name, publish)
        )
        assert created.rc == 0, created.stderr
    # Their tasks start asynchronously: the snapshot is taken once they run, so that only the refused run could
    # change it.
    running = manager.run(
        "for i in $(seq 60); do s=$(docker service ps --filter desired-state=running --format '{{.CurrentState}}'"
        " web-mesh web-host); [ $(echo \"$s\" | grep -c '^Running') -ge 2 ] && ! echo \"$s\" | grep -qv '^Running'"
        " && exit 0; sleep 1; done; exit 1"
    )
    assert running.rc == 0, manager.run("docker service ps --no-trunc web-mesh web-host").stdout
    before = (snapshot(manager), snapshot(worker))
    for check in (True, False):
        rc, output = converge(after_exclusive(resources_ingress={"state": "absent"}), check=check)
        assert rc != 0, output
        assert "network 'ingress' is in use by service web-mesh" in output, output
        assert service_names_in(output) == {"web-mesh"}, output
        assert "Nothing was changed" in output
    assert (snapshot(manager), snapshot(worker)) == before


def test_ingress_absent_removes_it_once_only_host_mode_services_remain(manager):
    assert manager.run("docker service rm web-mesh").rc == 0
    # The engine stops a removed service's task containers asynchronously: "only host-mode services remain" is
    # when they are gone (bounded wait).
    gone = manager.run(
        'for i in $(seq 60); do [ -z "$(docker ps -aq --filter label=com.docker.swarm.service.name=web-mesh)" ]'
        " && exit 0; sleep 1; done; exit 1"
    )
    assert gone.rc == 0, "the task containers of the removed service web-mesh did not go within 60 s"
    ingress_id = inspect(manager, "network", "ingress")["Id"]
    rc, output = converge(after_exclusive(resources_ingress={"state": "absent"}), check=True)
    assert rc == 0 and changes(output, MANAGER_NAME) > 0, output
    assert inspect(manager, "network", "ingress")["Id"] == ingress_id
    rc, output = converge(after_exclusive(resources_ingress={"state": "absent"}))
    assert rc == 0, output
    assert manager.run("docker network ls -q --filter name=^ingress$").stdout.strip() == ""
    assert inspect(manager, "service", "web-host")["Spec"]["Name"] == "web-host"


def test_declared_ingress_is_created_again_and_a_rerun_changes_nothing(manager, worker):
    rc, output = converge(after_exclusive())
    assert rc == 0, output
    ingress = inspect(manager, "network", "ingress")
    assert ingress["Ingress"] is True and "encrypted" in ingress["Options"]
    assert ingress["IPAM"]["Config"] == [{"Subnet": "10.64.0.0/24", "Gateway": "10.64.0.1"}]
    rc, output = converge(after_exclusive())
    assert rc == 0 and changes(output, MANAGER_NAME) == 0 and changes(output, WORKER_NAME) == 0, output
    assert manager.run("docker service rm web-host").rc == 0
