"""State after converge, on every host: daemon.json, docker info, TLS files, drop-in, userns."""

import json
import os
import re
import stat

from cryptography import x509

PKI = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "docker-pki")


def info(host):
    return json.loads(host.check_output("docker info --format '{{json .}}'"))


def test_daemon_json_is_root_0644_sorted_and_holds_the_settings(host):
    f = host.file("/etc/docker/daemon.json")
    assert f.user == "root" and f.group == "root" and f.mode == 0o644
    text = f.content_string
    config = json.loads(text)
    assert text == json.dumps(config, indent=2, sort_keys=True) + "\n"
    assert config["storage-driver"] == "overlay2"
    assert config["userns-remap"] == "default"
    assert config["live-restore"] is True
    assert config["log-opts"] == {"max-file": "3", "max-size": "10m"}
    assert config["tlsverify"] is True
    assert config["hosts"] == ["fd://", "tcp://0.0.0.0:2376"]
    # Hardened preset (CIS Docker Benchmark, daemon section).
    assert config["icc"] is False and config["no-new-privileges"] is True and config["userland-proxy"] is False


def test_docker_info_shows_storage_driver_userns_and_live_restore(host):
    data = info(host)
    assert data["Driver"] == "overlay2"
    assert "name=userns" in data["SecurityOptions"]
    assert re.fullmatch(r"/var/lib/docker/\d+\.\d+", data["DockerRootDir"])
    assert data["LiveRestoreEnabled"] is True
    assert data["LoggingDriver"] == "json-file"


def test_tls_keys_are_never_world_readable(host):
    key = host.file("/etc/docker/tls/server-key.pem")
    assert key.user == "root" and key.mode == 0o400  # CIS 3.14
    assert host.file("/etc/docker/tls").mode == 0o750
    for controller_key in ("ca-key.pem", "client/key.pem"):
        assert stat.S_IMODE(os.stat(os.path.join(PKI, controller_key)).st_mode) == 0o600


def test_tls_certificates_are_read_only(host):
    # CIS 3.10 (CA certificate) and 3.12 (server certificate): 0444 or stricter, owned by root.
    for name in ("ca.pem", "server-cert.pem"):
        cert = host.file("/etc/docker/tls/" + name)
        assert cert.user == "root" and cert.group == "root" and cert.mode == 0o444, name


def test_server_certificate_names_the_host_and_its_addresses(host):
    cert = x509.load_pem_x509_certificate(host.file("/etc/docker/tls/server-cert.pem").content)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = sans.get_values_for_type(x509.DNSName)
    addresses = [str(a) for a in sans.get_values_for_type(x509.IPAddress)]
    hostname = host.check_output("hostname")
    assert hostname in names and "localhost" in names
    # The address clients reach the host at (its own interface), not the bridges
    # Docker adds (docker0, docker_gwbridge): naming those would re-issue the
    # certificate, and restart dockerd, whenever Docker adds or removes one.
    address = host.check_output("hostname -i").split()[0]
    assert address in addresses and "127.0.0.1" in addresses
    docker0 = host.check_output("ip -4 -o addr show dev docker0 | awk '{print $4}' | cut -d/ -f1")
    assert docker0 and docker0 not in addresses


def test_dropin_runs_the_units_own_dockerd_without_host_flags(host):
    fragment = host.check_output("systemctl show -p FragmentPath --value docker.service")
    unit_exec = next(
        line.split("=", 1)[1].split()
        for line in host.file(fragment).content_string.splitlines()
        if line.startswith("ExecStart=")
    )
    dropin = host.file("/etc/systemd/system/docker.service.d/dockfleet-hosts.conf")
    assert dropin.exists and dropin.mode == 0o644
    lines = dropin.content_string.splitlines()
    assert "ExecStart=" in lines
    command = lines[-1].split("=", 1)[1].split()
    assert command[0] == unit_exec[0]  # the unit's own dockerd path, read from the unit
    assert "-H" not in command and "fd://" not in command
    assert command == [t for i, t in enumerate(unit_exec) if t != "-H" and (i == 0 or unit_exec[i - 1] != "-H")]
    assert host.service("docker").is_running


def test_only_the_tls_port_listens(host):
    listening = host.check_output("ss -ltnH")
    assert re.search(r":2376\s", listening)
    assert not re.search(r":2375\s", listening)


def test_remapped_root_in_a_container_is_the_dockremap_range(host, fixtures_ready):
    start, count = next(
        line.split(":")[1:]
        for line in host.file("/etc/subuid").content_string.splitlines()
        if line.startswith("dockremap:")
    )
    out = host.run("docker run --rm dockfleet/busybox:latest cat /proc/self/uid_map")
    assert out.rc == 0, out.stderr
    inside, outside, length = out.stdout.split()[:3]
    assert (inside, outside, length) == ("0", start, count)
    # The container's root really is an unprivileged uid on the host.
    cid = host.check_output("docker run -d --rm dockfleet/busybox:latest sleep 30")
    try:
        pid = host.check_output("docker inspect --format '{{.State.Pid}}' %s" % cid)
        host_uid = host.check_output("stat -c %%u /proc/%s" % pid)
        assert host_uid == start
    finally:
        host.run("docker rm -f %s" % cid)


def test_dockers_files_are_root_owned_and_no_looser_than_cis_section_3(host):
    # daemon_profile: hardened turns on daemon_file_permissions (CIS v1.6.0 3.1-3.6, 3.17-3.20).
    units = [
        host.check_output("systemctl show -p FragmentPath --value %s" % u) for u in ("docker.service", "docker.socket")
    ]
    wanted = {units[0]: 0o644, units[1]: 0o644, "/etc/docker": 0o755, "/etc/docker/daemon.json": 0o644}
    if host.file("/etc/default/docker").exists:
        wanted["/etc/default/docker"] = 0o644
    for path, most in wanted.items():
        f = host.file(path)
        assert f.user == "root" and f.group == "root", path
        assert f.mode & ~most == 0, "%s is %o" % (path, f.mode)
    # 3.15/3.16: the socket as dockerd makes it.
    sock = host.file("/run/docker.sock")
    assert sock.user == "root" and sock.group == "docker" and sock.mode & ~0o660 == 0
