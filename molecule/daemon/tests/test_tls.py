"""The TLS socket of daemon-1, called from daemon-2 (another host of the scenario)."""

testinfra_hosts = ["ansible://daemon-2"]

CERTS = "/root/operator-tls"
REMOTE = "tcp://daemon-1:2376"


def test_client_certificate_reaches_the_other_daemon_over_tls(host, fixtures_ready):
    out = host.run(
        "docker --tlsverify --tlscacert %s/ca.pem --tlscert %s/cert.pem --tlskey %s/key.pem -H %s "
        "info --format '{{.Name}} {{.Driver}}'" % (CERTS, CERTS, CERTS, REMOTE)
    )
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "daemon-1 overlay2"


def test_without_client_certificate_the_daemon_refuses(host, fixtures_ready):
    out = host.run("docker --tlsverify --tlscacert %s/ca.pem -H %s version" % (CERTS, REMOTE))
    assert out.rc != 0
    assert "certificate" in (out.stderr + out.stdout).lower()
    # Without TLS at all: nothing answers in plain HTTP.
    plain = host.run("docker -H %s version" % REMOTE)
    assert plain.rc != 0
    assert "Server:" not in plain.stdout


def test_no_plain_tcp_port(host):
    out = host.run("docker -H tcp://daemon-1:2375 version")
    assert out.rc != 0
    assert "connection refused" in out.stderr.lower() or "cannot connect" in out.stderr.lower()
