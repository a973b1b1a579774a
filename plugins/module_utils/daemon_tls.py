# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a host's TLS files are what the daemon role would issue, so a converged host skips issuing them.

The role issues (tasks/tls.yml): the CA certificate (0444), a server key made on the host (0400) and a server
certificate (0444) signed by that CA with a subject alternative name for the inventory name, the host name, its
FQDN, localhost, 127.0.0.1, each of the host's own IPv4 addresses (not Docker's bridges) and the extra names.
``tls_problems`` lists what differs (empty: nothing to issue). The certificate checks need the Python
cryptography library on the host; without it the files are reported as not checked (and issued again, which the
role's tasks do idempotently).
"""

from __future__ import annotations

import datetime
import ipaddress
import platform
import re
import socket
import stat

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - the role installs python3-cryptography with the first TLS run
    HAS_CRYPTOGRAPHY = False

# Interfaces whose addresses the certificate does not name: Docker's bridges and overlays come and go.
NOT_HOST_INTERFACES = re.compile(r"^(lo|docker|br-|veth|vx-|ov-)")
FILES = dict(ca="ca.pem", cert="server-cert.pem", key="server-key.pem")
MODES = dict(ca=0o444, cert=0o444, key=0o400)


def host_addresses(ip_output):
    """The first IPv4 address of each of the host's own interfaces, from ``ip -4 -o addr show``."""
    addresses, seen = [], set()
    for line in ip_output.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[2] != "inet":
            continue
        name = fields[1].split("@", 1)[0]
        if NOT_HOST_INTERFACES.match(name) or name in seen or "secondary" in fields:
            continue
        seen.add(name)
        addresses.append(fields[3].split("/", 1)[0])
    return addresses


def wanted_names(inventory_name, addresses, extra=(), hostname=None, fqdn=None):
    """The subject alternative names the server certificate must hold, as ``DNS:x`` / ``IP:y``."""
    hostname = hostname if hostname is not None else platform.node().split(".")[0]
    fqdn = fqdn if fqdn is not None else socket.getfqdn()
    names = ["DNS:" + inventory_name, "DNS:" + hostname, "DNS:" + fqdn, "DNS:localhost", "IP:127.0.0.1"]
    names += ["IP:" + address for address in addresses] + list(extra)
    return sorted(set(names))


def certificate_names(cert):
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    names = {"DNS:" + name for name in sans.get_values_for_type(x509.DNSName)}
    names |= {"IP:" + str(address) for address in sans.get_values_for_type(x509.IPAddress)}
    return names


def _normal_name(name):
    kind, _sep, value = name.partition(":")
    if kind.upper() == "IP":
        try:
            return "IP:" + str(ipaddress.ip_address(value))
        except ValueError:
            return name
    return "%s:%s" % (kind.upper(), value)


def _signed_by(cert, ca):
    key = ca.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        else:
            return False
    except Exception:
        return False
    return True


def pem_blocks(text):
    """Each certificate of a PEM bundle (a CA file may hold two CAs while one is being replaced)."""
    marker = "-----BEGIN CERTIFICATE-----"
    return [(marker + part).encode("utf-8") for part in text.split(marker)[1:]]


def _public(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _not_after(cert):
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def tls_problems(files, ca_wanted, names, now=None):
    """What differs from what the role would issue.

    ``files``: for ``ca``, ``cert`` and ``key``, ``(bytes or None, stat or None)``; ``ca_wanted``: the controller's CA
    certificate text (empty when the controller has none yet; a bundle of several CAs is accepted, the server
    certificate must be signed by one of them); ``names``: the wanted subject alternative names.
    """
    problems = []
    for kind, (content, st) in sorted(files.items()):
        if content is None or st is None:
            problems.append("%s missing" % FILES[kind])
        elif st.st_uid != 0 or stat.S_IMODE(st.st_mode) != MODES[kind]:
            problems.append("%s not root-owned with mode %04o" % (FILES[kind], MODES[kind]))
    if not ca_wanted.strip():
        problems.append("no CA certificate on the controller yet")
    elif files["ca"][0] is not None and files["ca"][0].decode("utf-8", "replace").strip() != ca_wanted.strip():
        problems.append("%s is not the controller's CA certificate" % FILES["ca"])
    if problems or files["cert"][0] is None or files["key"][0] is None:
        return problems
    if not HAS_CRYPTOGRAPHY:
        return ["the server certificate was not checked (no Python cryptography library on the host)"]
    try:
        cert = x509.load_pem_x509_certificate(files["cert"][0])
        cas = [x509.load_pem_x509_certificate(block) for block in pem_blocks(ca_wanted)]
        key = serialization.load_pem_private_key(files["key"][0], password=None)
    except (ValueError, TypeError) as exc:
        return ["the TLS files cannot be read: %s" % exc]
    if _public(cert.public_key()) != _public(key.public_key()):
        problems.append("%s does not belong to %s" % (FILES["cert"], FILES["key"]))
    if not any(cert.issuer == ca.subject and _signed_by(cert, ca) for ca in cas):
        problems.append("%s is not signed by the CA" % FILES["cert"])
    if _not_after(cert) <= (now or datetime.datetime.now(datetime.timezone.utc)):
        problems.append("%s has expired" % FILES["cert"])
    missing = {_normal_name(n) for n in names} - {_normal_name(n) for n in certificate_names(cert)}
    if missing:
        problems.append("%s does not name %s" % (FILES["cert"], ", ".join(sorted(missing))))
    return problems
