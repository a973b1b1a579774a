# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_tls: whether a host's TLS files are what the daemon role would issue."""

from __future__ import annotations

import datetime
import ipaddress
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_tls

NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
IP_OUTPUT = """1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0@if7    inet 172.18.0.5/16 brd 172.18.255.255 scope global eth0\\       valid_lft forever
2: eth0@if7    inet 172.18.0.9/16 scope global secondary eth0\\       valid_lft forever
3: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever
4: docker_gwbridge    inet 172.19.0.1/16 scope global docker_gwbridge
5: ens4    inet 10.0.0.4/24 scope global ens4
"""


def pem(obj):
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def certificate(subject, issuer, key, signer, names=(), days=30):
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=days))
    )
    if names:
        sans = [
            x509.IPAddress(ipaddress.ip_address(n[3:])) if n.startswith("IP:") else x509.DNSName(n[4:]) for n in names
        ]
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki():
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca = certificate("dockfleet docker CA", "dockfleet docker CA", ca_key, ca_key)
    key = ec.generate_private_key(ec.SECP384R1())
    return SimpleNamespace(ca_key=ca_key, ca=ca, key=key)


def st(mode, uid=0):
    return SimpleNamespace(st_mode=0o100000 | mode, st_uid=uid, st_gid=0)


NAMES = daemon_tls.wanted_names("node-1", ["172.18.0.5"], ["DNS:api.example"], hostname="node-1", fqdn="node-1.lan")


def files(pki, cert, key_mode=0o400):
    return {"ca": (pem(pki.ca), st(0o444)), "cert": (pem(cert), st(0o444)), "key": (pem(pki.key), st(key_mode))}


def test_host_addresses_are_the_first_ipv4_of_each_own_interface():
    assert daemon_tls.host_addresses(IP_OUTPUT) == ["172.18.0.5", "10.0.0.4"]


def test_wanted_names():
    assert NAMES == [
        "DNS:api.example",
        "DNS:localhost",
        "DNS:node-1",
        "DNS:node-1.lan",
        "IP:127.0.0.1",
        "IP:172.18.0.5",
    ]


def test_files_as_the_role_issues_them_have_no_problem(pki):
    cert = certificate("node-1", "dockfleet docker CA", pki.key, pki.ca_key, NAMES)
    assert daemon_tls.tls_problems(files(pki, cert), pem(pki.ca).decode(), NAMES, now=NOW) == []


def test_a_missing_name_a_loose_key_and_another_ca_are_problems(pki):
    cert = certificate("node-1", "dockfleet docker CA", pki.key, pki.ca_key, NAMES[:-1])
    [problem] = daemon_tls.tls_problems(files(pki, cert), pem(pki.ca).decode(), NAMES, now=NOW)
    assert problem == "server-cert.pem does not name IP:172.18.0.5"
    assert daemon_tls.tls_problems(files(pki, cert, key_mode=0o600), pem(pki.ca).decode(), NAMES, now=NOW) == [
        "server-key.pem not root-owned with mode 0400"
    ]
    other_key = ec.generate_private_key(ec.SECP384R1())
    other = certificate("dockfleet docker CA", "dockfleet docker CA", other_key, other_key)
    assert daemon_tls.tls_problems(files(pki, cert), pem(other).decode(), NAMES, now=NOW) == [
        "ca.pem is not the controller's CA certificate"
    ]


def test_a_certificate_not_signed_by_the_ca_or_expired_or_for_another_key_is_a_problem(pki):
    forged_key = ec.generate_private_key(ec.SECP384R1())
    forged = certificate("node-1", "dockfleet docker CA", pki.key, forged_key, NAMES)
    assert daemon_tls.tls_problems(files(pki, forged), pem(pki.ca).decode(), NAMES, now=NOW) == [
        "server-cert.pem is not signed by the CA"
    ]
    cert = certificate("node-1", "dockfleet docker CA", pki.key, pki.ca_key, NAMES, days=1)
    later = NOW + datetime.timedelta(days=2)
    assert daemon_tls.tls_problems(files(pki, cert), pem(pki.ca).decode(), NAMES, now=later) == [
        "server-cert.pem has expired"
    ]
    other = certificate("node-1", "dockfleet docker CA", ec.generate_private_key(ec.SECP384R1()), pki.ca_key, NAMES)
    assert daemon_tls.tls_problems(files(pki, other), pem(pki.ca).decode(), NAMES, now=NOW) == [
        "server-cert.pem does not belong to server-key.pem"
    ]


def test_missing_files_and_no_controller_ca_are_problems(pki):
    missing = {"ca": (None, None), "cert": (None, None), "key": (None, None)}
    assert daemon_tls.tls_problems(missing, "", NAMES) == [
        "ca.pem missing",
        "server-cert.pem missing",
        "server-key.pem missing",
        "no CA certificate on the controller yet",
    ]


def test_a_ca_bundle_accepts_a_certificate_signed_by_either_ca(pki):
    new_key = ec.generate_private_key(ec.SECP384R1())
    new_ca = certificate("dockfleet docker CA 2", "dockfleet docker CA 2", new_key, new_key)
    bundle = (pem(pki.ca) + pem(new_ca)).decode()
    cert = certificate("node-1", "dockfleet docker CA 2", pki.key, new_key, NAMES)
    host_files = files(pki, cert)
    host_files["ca"] = (bundle.encode(), st(0o444))
    assert daemon_tls.tls_problems(host_files, bundle, NAMES, now=NOW) == []
