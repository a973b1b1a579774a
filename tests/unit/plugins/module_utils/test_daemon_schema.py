# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_schema as schema

TLS = {
    "hosts": ["fd://", "tcp://0.0.0.0:2376"],
    "tlsverify": True,
    "tlscacert": "/etc/docker/tls/ca.pem",
    "tlscert": "/etc/docker/tls/server-cert.pem",
    "tlskey": "/etc/docker/tls/server-key.pem",
}


def fake_stat(modes):
    """A file_stat that knows the files in ``modes`` (path -> permission bits)."""

    def lookup(path):
        if path not in modes:
            return None
        return os.stat_result((stat.S_IFREG | modes[path], 0, 0, 1, 0, 0, 0, 0, 0, 0))

    return lookup


TLS_FILES = fake_stat({TLS["tlscacert"]: 0o644, TLS["tlscert"]: 0o644, TLS["tlskey"]: 0o600})


# --- key validation and suggestions -------------------------------------------------


@pytest.mark.parametrize(
    "typo, expected",
    [
        ("storage-drivr", "storage-driver"),
        ("live_restore", "live-restore"),
        ("log-opt", "log-opts"),
        ("insecure-registry", "insecure-registries"),
        ("userns-remmap", "userns-remap"),
        ("tls-verify", "tlsverify"),
    ],
)
def test_unknown_key_is_rejected_with_the_closest_key(typo, expected):
    errors = schema.validate({typo: "x"})
    assert len(errors) == 1
    assert "unknown daemon.json key '%s'" % typo in errors[0]
    assert "did you mean '%s'?" % expected in errors[0]


def test_unknown_key_without_a_close_match_has_no_suggestion():
    errors = schema.validate({"zzzzzz": 1})
    assert errors and "did you mean" not in errors[0]


def test_known_production_config_is_valid():
    config = dict(
        TLS,
        **{
            "storage-driver": "overlay2",
            "userns-remap": "default",
            "live-restore": True,
            "log-driver": "json-file",
            "log-opts": {"max-size": "10m", "max-file": "3"},
            "labels": ["rack=r1"],
            "default-address-pools": [{"base": "10.10.0.0/16", "size": 24}],
            "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}},
        },
    )
    assert schema.validate(config, (26, 1), file_stat=TLS_FILES) == []


@pytest.mark.parametrize(
    "key, value",
    [
        ("live-restore", "true"),
        ("debug", 1),
        ("max-concurrent-downloads", "3"),
        ("max-concurrent-downloads", True),
        ("labels", "rack=r1"),
        ("log-opts", {"max-file": 3}),
        ("storage-driver", ["overlay2"]),
        ("features", {"buildkit": "true"}),
        ("default-address-pools", ["10.10.0.0/16"]),
    ],
)
def test_wrong_types_are_rejected(key, value):
    errors = schema.validate({key: value})
    assert len(errors) == 1
    assert "'%s' must be a" % key in errors[0]


def test_keys_are_checked_against_the_installed_engine():
    assert schema.validate({"proxies": {"http-proxy": "http://p:3128"}}, (20, 10))[0].startswith(
        "daemon.json key 'proxies' needs engine 23.0 or later; this host runs 20.10"
    )
    assert schema.validate({"proxies": {"http-proxy": "http://p:3128"}}, (26, 1)) == []
    assert "not accepted by engine 26.1" in schema.validate({"graph": "/srv/docker"}, (26, 1))[0]
    assert schema.validate({"graph": "/srv/docker"}, (20, 10)) == []
    assert "not accepted by engine 25.0" in schema.validate({"oom-score-adjust": -500}, (25, 0))[0]
    # Unknown engine: version rules cannot be applied, the rest still is.
    assert schema.validate({"proxies": {}}) == []


@pytest.mark.parametrize(
    "config, fragment",
    [
        ({"log-level": "verbose"}, "'log-level': 'verbose' is not one of"),
        ({"labels": ["norack"]}, "is not a KEY=VALUE label"),
        ({"exec-opts": ["native.cgroupdriver"]}, "is not an OPTION=VALUE exec option"),
        ({"hosts": ["0.0.0.0:2376"]}, "has no supported scheme"),
        ({"proxies": {"http_proxy": "x"}}, "did you mean 'http-proxy'?"),
        ({"default-address-pools": [{"base": "10.0.0.0/8"}]}, "must have exactly 'base'"),
        ({"max-concurrent-uploads": -1}, "must not be negative"),
        ({"network-diagnostic-port": 70000}, "between 0 and 65535"),
    ],
)
def test_values_dockerd_would_refuse(config, fragment):
    errors = schema.validate(config)
    assert len(errors) == 1
    assert fragment in errors[0]


def test_not_an_object():
    assert schema.validate(["debug"]) == ["daemon.json must be a JSON object, got list."]


# --- TLS and host contradictions -----------------------------------------------------


def test_tcp_host_without_tls_is_refused():
    errors = schema.validate({"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]})
    assert len(errors) == 1
    assert "listens on tcp://0.0.0.0:2375 without tlsverify" in errors[0]
    assert "insecure flag" in errors[0]


def test_tcp_host_with_tls_but_no_client_verification_is_refused():
    config = dict(TLS, tls=True)
    del config["tlsverify"]
    errors = schema.validate(config, file_stat=TLS_FILES)
    assert any("without tlsverify" in e for e in errors)


def test_tcp_host_without_tls_is_accepted_with_the_explicit_flag():
    assert schema.validate({"hosts": ["tcp://127.0.0.1:2375"]}, allow_insecure_tcp=True) == []


def test_local_hosts_need_no_tls():
    assert schema.validate({"hosts": ["fd://", "unix:///var/run/docker.sock"]}) == []


def test_tlsverify_needs_a_ca_and_a_key_pair():
    errors = schema.validate({"tlsverify": True})
    assert any("tlsverify without tlscacert" in e for e in errors)
    assert any("without tlscert" in e for e in errors)
    assert any("without tlskey" in e for e in errors)


def test_tlsverify_with_tls_false_is_a_contradiction():
    errors = schema.validate(dict(TLS, tls=False), file_stat=TLS_FILES)
    assert errors == [
        "daemon.json sets tlsverify but tls=false: dockerd enables TLS for tlsverify; drop 'tls' or set it to true."
    ]


def test_tls_files_must_exist_on_the_host():
    errors = schema.validate(TLS, file_stat=fake_stat({TLS["tlscacert"]: 0o644, TLS["tlskey"]: 0o600}))
    assert errors == [
        "daemon.json key 'tlscert': /etc/docker/tls/server-cert.pem does not exist on this host; put the file there first."
    ]


def test_world_readable_tls_key_is_refused():
    files = fake_stat({TLS["tlscacert"]: 0o644, TLS["tlscert"]: 0o644, TLS["tlskey"]: 0o644})
    errors = schema.validate(TLS, file_stat=files)
    assert len(errors) == 1 and "readable by every user (mode 0644)" in errors[0]


def test_full_tls_config_is_valid():
    assert schema.validate(TLS, file_stat=TLS_FILES) == []


# --- merge / replace ------------------------------------------------------------------


def test_merge_keeps_unmanaged_keys_and_removes_null_ones():
    current = {"debug": True, "data-root": "/srv/docker", "labels": ["a=1"]}
    result = schema.candidate(current, {"labels": ["a=2"], "debug": None}, "merge")
    assert result == {"data-root": "/srv/docker", "labels": ["a=2"]}
    assert current == {"debug": True, "data-root": "/srv/docker", "labels": ["a=1"]}  # not mutated


def test_replace_writes_only_the_settings():
    assert schema.candidate({"debug": True}, {"live-restore": True, "icc": None}, "replace") == {"live-restore": True}


def test_bad_mode():
    with pytest.raises(ValueError):
        schema.candidate({}, {}, "update")


# --- reload / restart classification -------------------------------------------------


def test_reloadable_change_needs_only_a_reload():
    result = schema.classify({"labels": ["a=1"], "live-restore": True}, {"labels": ["a=2"], "live-restore": True})
    assert result == dict(changed_keys=["labels"], restart_keys=[], restart_required=False, reload_required=True)


def test_added_reloadable_keys_need_only_a_reload():
    result = schema.classify(
        {}, {"debug": True, "registry-mirrors": ["https://m.example"], "max-concurrent-downloads": 6}
    )
    assert result["reload_required"] and not result["restart_required"]


def test_storage_driver_change_needs_a_restart():
    result = schema.classify({"storage-driver": "vfs", "debug": False}, {"storage-driver": "overlay2", "debug": True})
    assert result == dict(
        changed_keys=["debug", "storage-driver"],
        restart_keys=["storage-driver"],
        restart_required=True,
        reload_required=False,
    )


def test_removing_a_reloadable_key_needs_a_restart():
    result = schema.classify({"debug": True, "live-restore": True}, {"live-restore": True})
    assert result["restart_keys"] == ["debug"] and result["restart_required"]


def test_no_change():
    assert schema.classify({"a": 1}, {"a": 1}) == dict(
        changed_keys=[], restart_keys=[], restart_required=False, reload_required=False
    )


def test_every_reloadable_key_is_a_known_key():
    assert set(schema.KEYS) >= schema.RELOADABLE


# --- rendering and parsing ------------------------------------------------------------


def test_render_is_stable_and_sorted():
    text = schema.render({"log-opts": {"max-size": "10m", "max-file": "3"}, "debug": False})
    assert text == '{\n  "debug": false,\n  "log-opts": {\n    "max-file": "3",\n    "max-size": "10m"\n  }\n}\n'
    assert schema.render(schema.parse(text)) == text


def test_parse_empty_and_broken_files():
    assert schema.parse("  \n") == {}
    with pytest.raises(ValueError, match="is not valid JSON"):
        schema.parse("{debug: true}")
    with pytest.raises(ValueError, match="holds a JSON list"):
        schema.parse("[]")
