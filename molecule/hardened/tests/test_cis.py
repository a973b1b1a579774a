"""CIS Docker Benchmark v1.6.0, the automated controls of section 2 (daemon configuration), 3 (daemon
configuration files) and 7 (swarm configuration), read on the manager and on the worker after the site
playbook converged them with the hardened preset. 2.12 (authorization plugin) is left out: it cannot pass
without a plugin installed on the host (the daemon role refuses one that is not; see the bad-input table).

Every test reads the fact the control is about (the running engine, the file on disk, the socket that answers),
not the role's variables. Controls are named by the benchmark's own numbers.
"""

import json
import re
import socket
import ssl
import stat

import pytest
from conftest import MANAGER, PKI, WORKER, docker_json, engine_host

testinfra_hosts = ["ansible://%s" % MANAGER, "ansible://%s" % WORKER]

TLS_DIR = "/etc/docker/tls"
NODE_CERT_EXPIRY = 30 * 24 * 3600  # swarm_cert_expiry: 30d in the inventory


def info(host):
    return docker_json(host, "info")


def daemon_json(host):
    return json.loads(host.file("/etc/docker/daemon.json").content_string)


def dockerd_arguments(host):
    pid = host.check_output("systemctl show -p MainPID --value docker.service")
    return host.file("/proc/%s/cmdline" % pid).content_string.split("\0")


def address(host):
    return host.check_output("hostname -i").split()[0]


def assert_owned_and_at_most(host, path, user, group, mode):
    """`path` is owned by user:group and has no permission bit beyond `mode` (the benchmark's 'or stricter')."""
    f = host.file(path)
    assert f.exists, path
    assert (f.user, f.group) == (user, group), "%s is %s:%s" % (path, f.user, f.group)
    assert f.mode & ~mode == 0, "%s is %o, more than %o" % (path, f.mode, mode)


# ------------------------------------------------------------------ section 2: daemon configuration


def test_2_2_containers_on_the_default_bridge_cannot_talk_to_each_other(host):
    bridge = docker_json(host, "network inspect bridge")
    assert bridge["Options"]["com.docker.network.bridge.enable_icc"] == "false"


def test_2_3_the_logging_level_is_info(host):
    assert daemon_json(host)["log-level"] == "info"
    assert not [a for a in dockerd_arguments(host) if a.startswith(("-l", "--log-level", "-D", "--debug"))]
    assert info(host)["Debug"] is False


def test_2_4_docker_is_allowed_to_change_iptables(host):
    assert daemon_json(host).get("iptables", True) is True
    assert host.run("iptables -t filter -S DOCKER-USER").rc == 0  # the chain dockerd made
    assert host.run("iptables -t nat -S DOCKER").rc == 0


def test_2_5_no_insecure_registries(host):
    registry = info(host)["RegistryConfig"]
    assert set(registry["InsecureRegistryCIDRs"]) <= {"127.0.0.0/8", "::1/128"}  # dockerd's own loopback default
    assert all(index["Secure"] for index in registry["IndexConfigs"].values())


def test_2_6_the_storage_driver_is_not_aufs(host):
    assert info(host)["Driver"] == "overlay2"


def test_2_7_the_tcp_socket_takes_only_tls_with_a_verified_client_certificate(host):
    config = daemon_json(host)
    assert config["tlsverify"] is True
    assert (config["tlscacert"], config["tlscert"], config["tlskey"]) == (
        TLS_DIR + "/ca.pem",
        TLS_DIR + "/server-cert.pem",
        TLS_DIR + "/server-key.pem",
    )
    assert [h for h in config["hosts"] if h.startswith("tcp://")] == ["tcp://0.0.0.0:2376"]
    listening = host.check_output("ss -ltnH")
    assert re.search(r":2376\s", listening) and not re.search(r":2375\s", listening)


def _tls_context(with_client_certificate):
    context = ssl.create_default_context(cafile=str(PKI / "client" / "ca.pem"))
    if with_client_certificate:
        context.load_cert_chain(str(PKI / "client" / "cert.pem"), str(PKI / "client" / "key.pem"))
    return context


def _ask_version(context, host):
    """GET /version on the host's port 2376 over TLS; returns (TLS version, HTTP response)."""
    name = host.check_output("hostname")
    raw = socket.create_connection((address(host), 2376), timeout=10)
    with context.wrap_socket(raw, server_hostname=name) as tls:
        tls.sendall(b"GET /version HTTP/1.0\r\nHost: docker\r\n\r\n")
        response = b""
        while chunk := tls.recv(65536):
            response += chunk
        return tls.version(), response.decode()


def test_2_7_a_real_tls_handshake_with_the_operator_certificate_reaches_the_api(host):
    version, response = _ask_version(_tls_context(True), host)
    assert version in ("TLSv1.2", "TLSv1.3")
    head, body = response.split("\r\n\r\n", 1)
    assert head.startswith("HTTP/1.0 200")
    assert json.loads(body)["Version"] == info(host)["ServerVersion"]


def test_2_7_without_a_client_certificate_the_handshake_is_refused(host):
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        _ask_version(_tls_context(False), host)


def test_2_7_plain_http_on_the_tls_port_gets_no_api(host):
    with socket.create_connection((address(host), 2376), timeout=10) as raw:
        raw.sendall(b"GET /version HTTP/1.0\r\nHost: docker\r\n\r\n")
        response = raw.recv(65536).decode(errors="replace")
    assert "ApiVersion" not in response
    assert "HTTP request to an HTTPS server" in response


def test_2_9_containers_run_in_a_remapped_user_namespace(host, busybox):
    assert "name=userns" in info(host)["SecurityOptions"]
    assert daemon_json(host)["userns-remap"] == "default"
    start = next(
        line.split(":")[1]
        for line in host.file("/etc/subuid").content_string.splitlines()
        if line.startswith("dockremap:")
    )
    uid_map = host.check_output("docker run --rm %s cat /proc/self/uid_map" % busybox).split()
    assert uid_map[:2] == ["0", start]


def test_2_10_the_default_cgroup_parent_is_kept(host):
    assert "cgroup-parent" not in daemon_json(host)
    assert not [a for a in dockerd_arguments(host) if a.startswith("--cgroup-parent")]


def test_2_11_the_base_device_size_is_not_changed(host):
    options = daemon_json(host).get("storage-opts", [])
    assert not [o for o in options if o.startswith("dm.basesize")]
    assert not [a for a in dockerd_arguments(host) if "dm.basesize" in a]


def test_2_13_container_logs_go_to_the_journal(host, busybox):
    # The preset's choice for centralized logging: journald, which bounds the journal itself and can forward it.
    assert info(host)["LoggingDriver"] == "journald"
    assert "log-opts" not in daemon_json(host)
    name = "hardened-log-probe"
    host.run("docker rm -f %s" % name)
    host.check_output("docker run --name %s %s echo hardened-log-marker" % (name, busybox))
    try:
        journal = host.check_output("journalctl -o cat CONTAINER_NAME=%s" % name)
        assert "hardened-log-marker" in journal
    finally:
        host.run("docker rm -f %s" % name)


def test_2_14_containers_cannot_acquire_new_privileges(host, busybox):
    assert daemon_json(host)["no-new-privileges"] is True
    status = host.check_output("docker run --rm %s cat /proc/self/status" % busybox)
    assert re.search(r"^NoNewPrivs:\s+1$", status, re.M)


def test_2_15_live_restore_is_off_because_the_host_is_a_swarm_node(host):
    # The benchmark's own exception: live-restore is incompatible with swarm mode, and dockerd refuses it there.
    data = info(host)
    assert data["Swarm"]["LocalNodeState"] == "active"
    assert data["LiveRestoreEnabled"] is False
    assert daemon_json(host)["live-restore"] is False


def test_2_16_a_published_port_has_no_userland_proxy(host, busybox):
    assert daemon_json(host)["userland-proxy"] is False
    name = "hardened-proxy-probe"
    host.run("docker rm -f %s" % name)
    host.check_output("docker run -d --name %s -p 18080:80 %s sleep 300" % (name, busybox))
    try:
        assert host.run("pgrep -x docker-proxy").rc == 1
        assert "18080" in host.check_output("iptables -t nat -S DOCKER")  # the port is forwarded by iptables alone
    finally:
        host.run("docker rm -f %s" % name)


def test_2_17_the_default_seccomp_profile_applies(host):
    assert [o for o in info(host)["SecurityOptions"] if o.startswith("name=seccomp,profile=")] == [
        "name=seccomp,profile=builtin"
    ]


def test_2_18_no_experimental_features(host):
    assert info(host)["ExperimentalBuild"] is False
    assert daemon_json(host).get("experimental", False) is False


# ------------------------------------------------------------------ section 3: daemon configuration files


def unit_files(host, unit):
    out = host.check_output("systemctl show -p FragmentPath -p DropInPaths --value %s" % unit)
    return [path for path in out.split() if path]


def test_3_1_and_3_2_docker_service_files_are_root_owned_and_at_most_0644(host):
    files = unit_files(host, "docker.service")
    assert files[0].endswith("/docker.service") and files[1:]  # the unit and the role's drop-in
    for path in files:
        assert_owned_and_at_most(host, path, "root", "root", 0o644)


def test_3_3_and_3_4_docker_socket_files_are_root_owned_and_at_most_0644(host):
    for path in unit_files(host, "docker.socket"):
        assert_owned_and_at_most(host, path, "root", "root", 0o644)


def test_3_5_and_3_6_etc_docker_is_root_owned_and_at_most_0755(host):
    assert_owned_and_at_most(host, "/etc/docker", "root", "root", 0o755)


def test_3_7_and_3_8_registry_certificates_are_root_owned_and_at_most_0444(host):
    for path in host.check_output("find /etc/docker -path '*/certs.d/*' -type f").split():
        assert_owned_and_at_most(host, path, "root", "root", 0o444)


def test_3_9_and_3_10_the_tls_ca_certificate_is_root_owned_and_at_most_0444(host):
    assert_owned_and_at_most(host, daemon_json(host)["tlscacert"], "root", "root", 0o444)


def test_3_11_and_3_12_the_server_certificate_is_root_owned_and_at_most_0444(host):
    assert_owned_and_at_most(host, daemon_json(host)["tlscert"], "root", "root", 0o444)


def test_3_13_and_3_14_the_server_key_is_root_owned_and_at_most_0400(host):
    assert_owned_and_at_most(host, daemon_json(host)["tlskey"], "root", "root", 0o400)


def test_3_15_and_3_16_the_docker_socket_is_root_docker_and_at_most_0660(host):
    assert host.file("/run/docker.sock").is_socket
    assert_owned_and_at_most(host, "/run/docker.sock", "root", "docker", 0o660)


def test_3_17_and_3_18_daemon_json_is_root_owned_and_at_most_0644(host):
    assert_owned_and_at_most(host, "/etc/docker/daemon.json", "root", "root", 0o644)


def test_3_19_and_3_20_etc_default_docker_is_root_owned_and_at_most_0644(host):
    assert_owned_and_at_most(host, "/etc/default/docker", "root", "root", 0o644)


def test_3_21_and_3_22_there_is_no_etc_sysconfig_docker_on_debian(host):
    assert not host.file("/etc/sysconfig/docker").exists


def test_3_23_and_3_24_the_containerd_socket_is_root_owned_and_at_most_0660(host):
    assert host.file("/run/containerd/containerd.sock").is_socket
    assert_owned_and_at_most(host, "/run/containerd/containerd.sock", "root", "root", 0o660)


def test_tls_keys_on_the_controller_are_private(host):
    for key in ("ca-key.pem", "client/key.pem"):
        assert stat.S_IMODE((PKI / key).stat().st_mode) == 0o600


# ------------------------------------------------------------------ section 7: swarm configuration


def manager_info():
    return info(engine_host(MANAGER))


def test_7_1_the_swarm_has_the_managers_of_the_inventory_and_no_more(host):
    # The manager count is the raft view, which only a manager has.
    assert manager_info()["Swarm"]["Managers"] == 1
    assert info(host)["Swarm"]["ControlAvailable"] is (host.check_output("hostname") == MANAGER)


def test_7_2_the_swarm_control_plane_listens_on_the_hosts_address_only(host):
    listening = [line.split()[3] for line in host.check_output("ss -ltnH").splitlines()]
    on_2377 = [local for local in listening if local.endswith(":2377")]
    if host.check_output("hostname") == MANAGER:
        assert on_2377 == ["%s:2377" % address(host)]
    else:
        assert on_2377 == []  # a worker does not serve the control plane
    assert info(host)["Swarm"]["NodeAddr"] == address(host)


def test_7_3_every_overlay_network_is_encrypted_ingress_included(host):
    ids = host.check_output("docker network ls -q --filter driver=overlay").split()
    overlays = {n["Name"]: n["Options"] or {} for n in (docker_json(host, "network inspect %s" % i) for i in ids)}
    if host.check_output("hostname") == MANAGER:
        # The swarm's networks, Docker's ingress included, are the manager's objects: all of them are listed there.
        assert "ingress" in overlays and "hardened-mesh" in overlays
    else:
        # A worker holds an overlay only while a task of its own needs it (after ingress was recreated, the new one
        # comes with the first task that publishes through it): whatever it holds must be encrypted too.
        assert set(overlays) <= {"ingress", "hardened-mesh"}, overlays
    unencrypted = [name for name, options in overlays.items() if "encrypted" not in options]
    assert unencrypted == []


def test_7_5_the_managers_are_autolocked(host):
    spec = manager_info()["Swarm"]["Cluster"]["Spec"]
    assert spec["EncryptionConfig"]["AutoLockManagers"] is True
    if host.check_output("hostname") == MANAGER:
        key = host.run("docker swarm unlock-key -q")
        assert key.rc == 0 and key.stdout.startswith("SWMKEY-1-")


def test_the_swarm_issues_node_certificates_for_the_declared_expiry(host):
    spec = manager_info()["Swarm"]["Cluster"]["Spec"]
    assert spec["CAConfig"]["NodeCertExpiry"] == NODE_CERT_EXPIRY * 10**9
