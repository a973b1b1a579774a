# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A certificate's validity read from its PEM text without the cryptography library, checked against certificates
that library makes: UTCTime before 2050, GeneralizedTime from 2050 on, and what is not a certificate."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import certificates
from ansible_collections.dockfleet.docker.tests.unit.plugins.certs import UTC, pem

NOW = datetime.datetime(2026, 12, 2, 17, 0, 0, tzinfo=UTC)


def test_validity_of_a_utctime_certificate():
    text = pem(NOW - datetime.timedelta(days=1), NOW + datetime.timedelta(days=10))
    not_before, not_after = certificates.validity(text)
    assert not_before == datetime.datetime(2026, 12, 1, 17, 0, 0, tzinfo=UTC)
    assert not_after == datetime.datetime(2026, 12, 12, 17, 0, 0, tzinfo=UTC)
    assert certificates.days_left(not_after, NOW) == 10


def test_validity_of_a_generalizedtime_certificate_and_the_first_of_a_chain():
    far = datetime.datetime(2051, 3, 4, 5, 6, 7, tzinfo=UTC)
    chain = "leading text\n" + pem(NOW, far) + pem(NOW, NOW + datetime.timedelta(days=1))
    assert certificates.validity(chain) == (NOW, far)


def test_days_left_is_negative_once_expired():
    assert certificates.days_left(NOW - datetime.timedelta(hours=1), NOW) == -1
    assert certificates.days_left(NOW + datetime.timedelta(hours=23), NOW) == 0


def test_iso_round_trip():
    assert certificates.iso(NOW) == "2026-12-02T17:00:00Z"
    assert certificates.parse_iso("2026-12-02T17:00:00Z") == NOW


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no PEM certificate found"),
        ("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n", "not valid base64"),
        ("-----BEGIN CERTIFICATE-----\nAgEB\n-----END CERTIFICATE-----\n", "not a DER certificate"),
        ("-----BEGIN CERTIFICATE-----\nMAUwAwIBAQ==\n-----END CERTIFICATE-----\n", "ends early"),
    ],
)
def test_what_is_not_a_certificate_is_refused_with_a_reason(text, message):
    with pytest.raises(certificates.CertificateError, match=message):
        certificates.validity(text)


def test_a_truncated_certificate_is_refused():
    text = pem(NOW, NOW + datetime.timedelta(days=1))
    body = "".join(text.splitlines()[1:-1])
    cut = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % body[:40]
    with pytest.raises(certificates.CertificateError):
        certificates.validity(cut)
