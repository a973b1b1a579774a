# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When an X.509 certificate is valid: its notBefore and notAfter, read from the PEM text alone.

Pure and without the cryptography library, which a host may not have (the daemon role installs it only with TLS):
a certificate's validity sits at a fixed place in its DER encoding (RFC 5280 4.1), so a small reader of DER
lengths finds it. Used by the fleet report for the daemon's TLS server certificate and the swarm node
certificate.
"""

from __future__ import annotations

import base64
import datetime
import re

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.S)
_SEQUENCE, _CONTEXT_0, _UTC_TIME, _GENERALIZED_TIME = 0x30, 0xA0, 0x17, 0x18


class CertificateError(ValueError):
    """The text holds no certificate this reader understands; the message says what is wrong."""


def _element(der, offset):
    """``(tag, start of content, end of content)`` of the DER element at ``offset``."""
    if offset + 2 > len(der):
        raise CertificateError("the certificate ends early")
    tag, length = der[offset], der[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(der):
            raise CertificateError("the certificate has a length this reader does not know")
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    if start + length > len(der):
        raise CertificateError("the certificate ends early")
    return tag, start, start + length


def _time(tag, raw):
    text = raw.decode("ascii")
    if tag == _UTC_TIME:  # YYMMDDHHMMSSZ; RFC 5280: 50-99 are 19xx
        year = int(text[:2])
        text = "%d%s" % (1900 + year if year >= 50 else 2000 + year, text[2:])
    elif tag != _GENERALIZED_TIME:
        raise CertificateError("the certificate's validity is not a time")
    return datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def validity(pem):
    """``(not_before, not_after)`` as UTC datetimes of the first certificate in ``pem`` (text)."""
    match = _PEM.search(pem or "")
    if not match:
        raise CertificateError("no PEM certificate found")
    try:
        der = base64.b64decode("".join(match.group(1).split()), validate=True)
    except (ValueError, TypeError) as exc:
        raise CertificateError("the PEM certificate is not valid base64: %s" % exc) from None
    tag, start, _end = _element(der, 0)  # Certificate
    if tag != _SEQUENCE:
        raise CertificateError("not a DER certificate")
    tag, offset, _end = _element(der, start)  # tbsCertificate
    if tag != _SEQUENCE:
        raise CertificateError("not a DER certificate")
    tag, _start, end = _element(der, offset)
    if tag == _CONTEXT_0:  # [0] version, absent for v1 certificates
        offset = end
    for _skipped in ("serialNumber", "signature", "issuer"):
        offset = _element(der, offset)[2]
    tag, offset, _end = _element(der, offset)  # validity
    if tag != _SEQUENCE:
        raise CertificateError("the certificate has no validity where RFC 5280 puts it")
    times = []
    for _index in range(2):
        tag, start, end = _element(der, offset)
        try:
            times.append(_time(tag, der[start:end]))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CertificateError("the certificate's validity cannot be read: %s" % exc) from None
        offset = end
    return times[0], times[1]


def iso(moment):
    """A UTC datetime as ``2026-12-02T17:07:06Z``."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    """The inverse of ``iso``."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def days_left(not_after, now):
    """Whole days from ``now`` until ``not_after`` (negative once expired), both UTC datetimes."""
    return int((not_after - now).total_seconds() // 86400)
