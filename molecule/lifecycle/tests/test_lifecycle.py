"""Credential lifecycle, end to end, through dockfleet.docker.rotate as an operator runs it.

Converge left three managers with daemon TLS on 2376 (certificates valid for 10 days, so due for renewal),
autolock on, and the web service (two replicas, port 8080 in host mode). The tests run in file order and build
on each other:

1. the --check plan lists every node's renewal and every swarm credential, and changes nothing; an unknown
   target is refused naming the choices;
2. tls: every node's dockerd restarts once, one at a time in the plan's order, while a probe (a load balancer in
   front of the three nodes) never finds all of them silent; afterwards each node serves a new certificate valid
   for long, the operator's client certificate works on every 2376 (TLS handshake, docker node ls) and the old
   certificate is served nowhere;
3. tls_ca: two rolling passes (trust both CAs with a certificate of the new one, then only the new one), the
   probe never finds all nodes silent; the old client certificate is refused, the old CA verifies no node, the
   new client certificate and CA work everywhere;
4. join_tokens: a manager that left is refused with the old manager token and accepted with the new one;
5. swarm_ca: every node reports a certificate from the new root and its swarm port passes a TLS handshake
   checked against the new root; a node holding a token of the old root is refused, the new token accepted;
6. unlock_key: the new key lands vault-encrypted in a 0600 file on the controller and in no output; a restarted
   manager refuses the old key and takes the new one;
7. everything again: changed=0, nothing rotated, renewed or restarted.

The runbook runs as the unprivileged controller account with -b, over SSH (tests/platform/controller.py).
Docker is used from outside only through Molecule's create and destroy.
"""

import json
import os
import pathlib
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time

import pytest
import testinfra
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "platform"))
import controller  # tests/platform/controller.py: run as the operator

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
PROBE = SCENARIO.parent / "upgrade" / "probe.py"
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
EPHEMERAL = pathlib.Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
WORKSPACE = controller.workspace("lifecycle")
PKI = WORKSPACE / "docker-pki"
CLIENT = PKI / "client"
UNLOCK_FILE = WORKSPACE / "secrets" / "swarm-unlock-key.yml"
MANAGERS = ["lifecycle-manager-1", "lifecycle-manager-2", "lifecycle-manager-3"]
ROUND = "lifecycle-round-1"
STATE = {}


def operator_setup():
    """The operator's inventory and a copy of the PKI converge issued, both the operator's."""
    inventory = controller.export_inventory(INVENTORY, WORKSPACE / "inventory.yml")
    shutil.copytree(EPHEMERAL / "docker-pki", PKI)
    controller.give(PKI)
    return inventory


OPERATOR_INVENTORY = operator_setup() if INVENTORY else None


def addresses():
    data = yaml.safe_load(OPERATOR_INVENTORY.read_text())
    found = {}

    def walk(group):
        for name, host_vars in (group.get("hosts") or {}).items():
            if host_vars and "ansible_host" in host_vars:
                found[name] = host_vars["ansible_host"]
        for child in (group.get("children") or {}).values():
            walk(child or {})

    walk(data["all"])
    return found


ADDRESS = addresses() if INVENTORY else {}


def host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


def rotate(targets, *extra, check=False):
    """dockfleet.docker.rotate as the operator; returns (rc, output)."""
    return controller.playbook(
        OPERATOR_INVENTORY,
        "rotate",
        "rotate_targets=%s" % targets,
        "rotate_round=%s" % ROUND,
        "daemon_tls_pki_dir=%s" % PKI,
        "rotate_unlock_key_file=%s" % UNLOCK_FILE,
        *extra,
        check=check,
        cwd=WORKSPACE,
    )


def recap(output):
    """{host: (changed, failed)} from the play recap."""
    return {
        match.group(1): (int(match.group(2)), int(match.group(3)))
        for match in re.finditer(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", output, re.M)
    }


def started_at(name):
    return host(name).check_output("systemctl show docker -p ActiveEnterTimestampMonotonic --value")


def docker_json(name, command):
    return json.loads(host(name).check_output(command))


def leader():
    nodes = host(MANAGERS[0]).check_output("docker node ls --format '{{.Hostname}} {{.ManagerStatus}}'")
    return next(line.split()[0] for line in nodes.splitlines() if line.endswith("Leader"))


def served_certificate(name, cafile=CLIENT / "ca.pem", client=CLIENT, port=2376, check_hostname=True):
    """The DER certificate the node's port serves, after a handshake verified against ``cafile`` with the client
    certificate in the directory ``client`` (none when None)."""
    context = ssl.create_default_context(cafile=str(cafile))
    context.check_hostname = check_hostname
    if client:
        context.load_cert_chain(str(client / "cert.pem"), str(client / "key.pem"))
    raw = socket.create_connection((ADDRESS[name], port), timeout=10)
    with context.wrap_socket(raw, server_hostname=ADDRESS[name]) as tls:
        tls.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
        if port == 2376:
            answer = tls.recv(4096)
            assert b" 200 " in answer.split(b"\r\n")[0], answer
        return tls.getpeercert(binary_form=True)


def not_after_days(der):
    pem = ssl.DER_cert_to_PEM_cert(der)
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-enddate"], input=pem, capture_output=True, text=True, check=True
    ).stdout
    end = time.mktime(time.strptime(out.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y %Z"))
    return (end - time.time()) / 86400


def docker_over_tls(name, *args):
    return controller.run(
        [
            "docker",
            "--tlsverify",
            "--tlscacert",
            CLIENT / "ca.pem",
            "--tlscert",
            CLIENT / "cert.pem",
            "--tlskey",
            CLIENT / "key.pem",
            "-H",
            "tcp://%s:2376" % ADDRESS[name],
            *args,
        ],
        cwd=WORKSPACE,
    )


def swarm_secrets():
    manager = host(MANAGERS[0])
    return {
        "worker": manager.check_output("docker swarm join-token -q worker"),
        "manager": manager.check_output("docker swarm join-token -q manager"),
        "unlock": manager.check_output("docker swarm unlock-key -q"),
        "root": docker_json(MANAGERS[0], "docker info --format '{{json .Swarm.Cluster.TLSInfo}}'")["TrustRoot"],
    }


def wait_all_ready(timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        listing = host(MANAGERS[0]).run("docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}}'")
        lines = sorted(listing.stdout.split("\n")) if listing.rc == 0 else []
        lines = [line for line in lines if line]
        if len(lines) == 3 and all(line.endswith("Ready Active") for line in lines):
            return
        assert time.monotonic() < deadline, "nodes not all Ready and Active: %s %s" % (lines, listing.stderr)
        time.sleep(2)


def rejoin(leaving, old_token, new_token):
    """``leaving`` leaves the swarm (demoted, then removed) and joins again: the old token must be refused and the new
    one accepted (as a manager again)."""
    first = host(MANAGERS[0])
    node_id = host(leaving).check_output("docker info --format '{{.Swarm.NodeID}}'")
    first.check_output("docker node demote %s" % leaving)
    deadline = time.monotonic() + 60
    while host(leaving).check_output("docker info --format '{{.Swarm.ControlAvailable}}'") != "false":
        assert time.monotonic() < deadline, "%s is still a manager after its demotion" % leaving
        time.sleep(1)
    left = host(leaving).run("docker swarm leave")
    assert left.rc == 0, left.stderr
    first.check_output("docker node rm --force %s" % node_id)
    join = "timeout 60 docker swarm join --token %s %s:2377"
    refused = host(leaving).run(join % (old_token, ADDRESS[MANAGERS[0]]))
    assert refused.rc != 0, "the old token was accepted"
    accepted = host(leaving).run(join % (new_token, ADDRESS[MANAGERS[0]]))
    assert accepted.rc == 0, accepted.stderr
    assert host(leaving).check_output("docker info --format '{{.Swarm.ControlAvailable}}'") == "true"
    wait_all_ready()
    return refused.stderr


# 1. the plan ----------------------------------------------------------------------------------------------


def test_check_mode_plans_every_renewal_and_credential_and_changes_nothing():
    before = {name: (served_certificate(name), started_at(name)) for name in MANAGERS}
    secrets = swarm_secrets()
    rc, output = rotate("tls,join_tokens,swarm_ca,unlock_key", check=True)
    assert rc == 0, output
    for name in MANAGERS:
        assert re.search(r"tls %s \(manager, certificate valid until \S+\): renew, restart dockerd" % name, output), (
            output
        )
    assert "rotate worker_token, manager_token, unlock_key, ca" in output, output
    assert {name: (served_certificate(name), started_at(name)) for name in MANAGERS} == before
    assert swarm_secrets() == secrets
    STATE["secrets"] = secrets


def test_unknown_target_is_refused_naming_the_choices():
    rc, output = rotate("tls,certs")
    assert rc != 0
    assert "rotate_targets must name one or more of tls, tls_ca, join_tokens, swarm_ca, unlock_key" in output
    assert "not tls,certs" in output


# 2. tls -----------------------------------------------------------------------------------------------------


def start_probe(name):
    report = WORKSPACE / ("probe-%s.json" % name)
    stop = WORKSPACE / ("probe-%s.stop" % name)
    stop.unlink(missing_ok=True)
    urls = ["http://%s:8080/" % ADDRESS[node] for node in MANAGERS]
    process = subprocess.Popen(
        [
            sys.executable,
            str(PROBE),
            "--out",
            str(report),
            "--stop-file",
            str(stop),
            "--timeout",
            "1",
            "--interval",
            "0.2",
            "--max-seconds",
            "900",
            "--max-requests",
            "20000",
            *urls,
        ],
    )
    return process, report, stop


def stop_probe(probe):
    process, report, stop = probe
    stop.write_text("")
    process.wait(timeout=60)
    return json.loads(report.read_text())


def test_tls_renews_every_due_certificate_one_node_at_a_time_with_the_service_answering():
    old = {name: served_certificate(name) for name in MANAGERS}
    assert all(not_after_days(der) < 11 for der in old.values())
    restarted = {name: started_at(name) for name in MANAGERS}
    STATE["leader"] = leader()
    probe = start_probe("tls")
    try:
        rc, output = rotate("tls")
    finally:
        report = stop_probe(probe)
    assert rc == 0, output
    assert report["requests"] > 50, report
    assert report["failed"] == 0, "rounds where no node answered: %s" % report["failures"][:5]
    for name in MANAGERS:
        new = served_certificate(name)
        assert new != old[name], "%s still serves its old certificate" % name
        assert not_after_days(new) > 800
        assert started_at(name) != restarted[name], "%s: dockerd was not restarted" % name
        listing = docker_over_tls(name, "node", "ls", "--format", "{{.Hostname}} {{.Status}}")
        assert listing.returncode == 0, listing.stderr
        assert sorted(line for line in listing.stdout.splitlines() if line) == ["%s Ready" % m for m in MANAGERS]
    # The old certificate is served nowhere: no host answers a client that accepts only it.
    for name in MANAGERS:
        pinned = WORKSPACE / ("old-%s.pem" % name)
        pinned.write_text(ssl.DER_cert_to_PEM_cert(old[name]))
        with pytest.raises(ssl.SSLCertVerificationError):
            served_certificate(name, cafile=pinned)
    # Without a client certificate the daemon still refuses.
    with pytest.raises((ssl.SSLError, ConnectionResetError, AssertionError, OSError)):
        served_certificate(MANAGERS[0], client=None)
    # One node at a time, in the plan's order (the leader of before the run last).
    planned = re.findall(r"tls (\S+) \(manager, certificate valid until \S+\): renew", output)
    restarts = [
        re.search(r"changed: \[(\S+)\]", chunk).group(1)
        for chunk in output.split("TASK [")
        if chunk.startswith("Restart dockerd, which reads its TLS files only when it starts]")
    ]
    assert sorted(planned) == MANAGERS and restarts == planned, output
    assert planned[-1] == STATE["leader"]
    wait_all_ready()


# 3. a new TLS CA ---------------------------------------------------------------------------------------------


def test_tls_ca_new_ca_with_overlap_old_client_refused_new_accepted():
    old_client = WORKSPACE / "old-client"
    shutil.rmtree(old_client, ignore_errors=True)
    shutil.copytree(CLIENT, old_client)
    old_ca = (PKI / "ca.pem").read_text()
    restarted = {name: started_at(name) for name in MANAGERS}
    probe = start_probe("tls_ca")
    try:
        rc, output = rotate("tls_ca")
    finally:
        report = stop_probe(probe)
    assert rc == 0, output
    assert report["failed"] == 0, "rounds where no node answered: %s" % report["failures"][:5]
    new_ca = (PKI / "ca.pem").read_text()
    assert new_ca != old_ca and (CLIENT / "ca.pem").read_text() == new_ca
    assert not (PKI / "ca-next.pem").exists() and not (PKI / "ca-key-next.pem").exists()
    assert (PKI / "ca-round").read_text().strip() == ROUND
    # Two passes, one node at a time each: trust both CAs with a certificate of the new one, then only the new one.
    restarts = [
        re.search(r"changed: \[(\S+)\]", chunk).group(1)
        for chunk in output.split("TASK [")
        if chunk.startswith("Restart dockerd, which reads its TLS files only when it starts]")
    ]
    assert sorted(restarts) == sorted(MANAGERS * 2), output
    for name in MANAGERS:
        assert started_at(name) != restarted[name]
        assert host(name).file("/etc/docker/tls/ca.pem").content_string.strip() == new_ca.strip()
        assert served_certificate(name)
        listing = docker_over_tls(name, "node", "ls", "--format", "{{.Hostname}} {{.Status}}")
        assert listing.returncode == 0, listing.stderr
        # The old client certificate is refused; the old CA does not verify the node any more.
        with pytest.raises((ssl.SSLError, ConnectionResetError, AssertionError, OSError)):
            served_certificate(name, client=old_client)
        with pytest.raises(ssl.SSLCertVerificationError):
            served_certificate(name, cafile=old_client / "ca.pem")
    wait_all_ready()


# 4. join tokens ---------------------------------------------------------------------------------------------


def test_join_tokens_old_refused_new_accepted():
    old = swarm_secrets()
    rc, output = rotate("join_tokens")
    assert rc == 0, output
    new = swarm_secrets()
    assert new["worker"] != old["worker"] and new["manager"] != old["manager"]
    assert new["unlock"] == old["unlock"] and new["root"] == old["root"]
    for secret in (new["worker"], new["manager"], old["worker"], old["manager"]):
        assert secret not in output
    # A manager leaves and comes back: the old manager token is refused, the new one accepted.
    refused = rejoin(MANAGERS[2], old["manager"], new["manager"])
    assert "token" in refused.lower(), refused


# 5. swarm root CA -------------------------------------------------------------------------------------------


def test_swarm_ca_every_node_on_the_new_root_old_root_token_refused():
    old = swarm_secrets()
    rc, output = rotate("swarm_ca")
    assert rc == 0, output
    new = swarm_secrets()
    assert new["root"] != old["root"]
    for name in MANAGERS:
        tls_info = docker_json(MANAGERS[0], "docker node inspect %s --format '{{json .Description.TLSInfo}}'" % name)
        assert tls_info["TrustRoot"] == new["root"], name
    # Every node's swarm port serves a certificate that the new root verifies.
    new_root = WORKSPACE / "swarm-root-new.pem"
    new_root.write_text(new["root"])
    for name in MANAGERS:
        assert served_certificate(name, cafile=new_root, client=None, port=2377, check_hostname=False)
    # The tokens carry the root's digest: they changed with it, and a node holding a token of the old root is
    # refused (it finds a root other than the one its token names); the new token is accepted.
    assert new["manager"] != old["manager"]
    refused = rejoin(MANAGERS[1], old["manager"], new["manager"])
    assert "does not match fingerprint" in refused, refused


# 6. unlock key ----------------------------------------------------------------------------------------------


def test_unlock_key_written_once_old_refused_new_accepted():
    old = swarm_secrets()
    vault_password = WORKSPACE / "vault-password"
    vault_password.write_text("lifecycle-vault-password\n")
    vault_password.chmod(0o600)
    controller.give(vault_password)
    rc, output = rotate("unlock_key", "rotate_vault_password_file=%s" % vault_password)
    assert rc == 0, output
    new = swarm_secrets()
    assert new["unlock"] != old["unlock"]
    assert new["unlock"] not in output and old["unlock"] not in output
    assert oct(UNLOCK_FILE.stat().st_mode & 0o777) == "0o600"
    assert oct(UNLOCK_FILE.parent.stat().st_mode & 0o777) == "0o700"
    assert UNLOCK_FILE.stat().st_uid == controller.account().pw_uid
    # Written vault-encrypted: the key is not in the file in the clear, and ansible-vault opens it.
    assert UNLOCK_FILE.read_text().startswith("$ANSIBLE_VAULT;")
    assert new["unlock"] not in UNLOCK_FILE.read_text()
    opened = controller.run(
        ["ansible-vault", "view", "--vault-password-file", vault_password, UNLOCK_FILE], cwd=WORKSPACE
    )
    assert opened.returncode == 0, opened.stderr
    assert yaml.safe_load(opened.stdout)["swarm_unlock_key"] == new["unlock"]
    # A manager that restarts is locked; the old key no longer opens it, the new one does.
    time.sleep(5)  # the managers re-encrypt their keys with the new one as the update reaches them
    restarting = next(name for name in MANAGERS if name != leader())
    node = host(restarting)
    node.check_output("systemctl restart docker")
    deadline = time.monotonic() + 60
    while node.run("docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip() != "locked":
        assert time.monotonic() < deadline, "the restarted manager is not locked"
        time.sleep(1)
    refused = node.run("printf '%%s' %s | docker swarm unlock" % old["unlock"])
    assert refused.rc != 0
    assert "invalid" in refused.stderr.lower() or "key" in refused.stderr.lower(), refused.stderr
    accepted = node.run("printf '%%s' %s | docker swarm unlock" % new["unlock"])
    assert accepted.rc == 0, accepted.stderr
    wait_all_ready()


# 7. re-run --------------------------------------------------------------------------------------------------


def test_rerun_of_every_target_changes_nothing():
    secrets = swarm_secrets()
    restarted = {name: started_at(name) for name in MANAGERS}
    served = {name: served_certificate(name) for name in MANAGERS}
    ca = (PKI / "ca.pem").read_text()
    key_file = UNLOCK_FILE.read_text()
    rc, output = rotate("tls,tls_ca,join_tokens,swarm_ca,unlock_key")
    assert rc == 0, output
    assert all(changed == 0 for changed, _failed in recap(output).values()), output
    assert "(manager, certificate valid until" in output and "): not due" in output
    assert "the CA of round %s is in place, nothing to do" % ROUND in output
    assert "rotated nothing; already rotated in this round: worker_token, manager_token, unlock_key, ca" in output
    assert swarm_secrets() == secrets
    assert {name: started_at(name) for name in MANAGERS} == restarted
    assert {name: served_certificate(name) for name in MANAGERS} == served
    assert (PKI / "ca.pem").read_text() == ca
    assert UNLOCK_FILE.read_text() == key_file
