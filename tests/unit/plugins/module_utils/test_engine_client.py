# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options (community.docker's names, today's names as aliases, DOCKER_*
fallbacks), the TLS settings they make, and every way connecting fails with a clear message."""

from __future__ import annotations

import http.server
import socket
import socketserver
import threading

import docker
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_client
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    EngineError,
    connection_settings,
    engine_argument_spec,
    open_client,
    timeout_option,
)

ENVIRONMENT = (
    "DOCKER_HOST",
    "DOCKER_TLS",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_TIMEOUT",
    "DOCKER_API_VERSION",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def pki(tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("PEM\n")
    return tmp_path


def validate(params, **module_args):
    result = ArgumentSpecValidator(engine_argument_spec(**module_args), required_together=ENGINE_REQUIRED_TOGETHER)
    outcome = result.validate(params)
    return outcome.validated_parameters, [str(e) for e in outcome.errors]


# ---------------------------------------------------------------- options


def test_defaults_are_community_dockers():
    params, errors = validate({})
    assert not errors
    assert params["docker_host"] == "unix:///var/run/docker.sock"
    assert params["api_version"] == "auto"
    assert params["timeout"] == 60
    assert params["tls"] is False
    assert params["validate_certs"] is None  # decided from ca_path, see connection_settings
    assert params["ca_path"] is params["client_cert"] is params["client_key"] is None


@pytest.mark.parametrize(
    "alias, option, value",
    [
        ("tls_ca_cert", "ca_path", "/etc/pki/ca.pem"),
        ("ca_cert", "ca_path", "/etc/pki/ca.pem"),
        ("cacert_path", "ca_path", "/etc/pki/ca.pem"),
        ("tls_client_cert", "client_cert", "/etc/pki/cert.pem"),
        ("cert_path", "client_cert", "/etc/pki/cert.pem"),
        ("tls_client_key", "client_key", "/etc/pki/key.pem"),
        ("key_path", "client_key", "/etc/pki/key.pem"),
        ("api_timeout", "timeout", 7),
        ("docker_url", "docker_host", "tcp://engine.example.net:2376"),
        ("docker_api_version", "api_version", "1.45"),
        ("tls_verify", "validate_certs", True),
    ],
)
def test_earlier_and_community_docker_names_are_aliases(alias, option, value):
    # The certificate and key come together; give the other one under its own name.
    pair = {"client_cert": {"client_key": "/etc/pki/key.pem"}, "client_key": {"client_cert": "/etc/pki/cert.pem"}}
    params, errors = validate(dict(pair.get(option, {}), **{alias: value}))
    assert not errors
    assert params[option] == value


def test_the_environment_fills_options_the_task_does_not_set(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://engine.example.net:2376")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_TLS", "yes")
    monkeypatch.setenv("DOCKER_TIMEOUT", "15")
    monkeypatch.setenv("DOCKER_API_VERSION", "1.45")
    params, errors = validate({})
    assert not errors
    assert params["docker_host"] == "tcp://engine.example.net:2376"
    assert params["validate_certs"] is True and params["tls"] is True
    assert params["timeout"] == 15 and params["api_version"] == "1.45"


def test_the_task_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://engine.example.net:2376")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    params, _errors = validate({"docker_host": "unix:///run/docker.sock", "validate_certs": False})
    assert params["docker_host"] == "unix:///run/docker.sock"
    assert params["validate_certs"] is False


def test_client_cert_and_key_are_required_together():
    _params, errors = validate({"client_cert": "/etc/pki/cert.pem"})
    assert errors == ["parameters are required together: client_cert, client_key"]


def test_a_module_that_waits_keeps_its_timeout_and_the_api_timeout_is_api_timeout():
    spec = engine_argument_spec(timeout=dict(type="int", default=300))
    assert spec["timeout"] == dict(type="int", default=300)
    assert spec["api_timeout"]["default"] == 60 and "api_timeout" not in spec["api_timeout"]["aliases"]
    assert timeout_option(spec) == "api_timeout"
    assert timeout_option(engine_argument_spec()) == "timeout"
    params, errors = validate({"timeout": 10, "api_timeout": 5}, timeout=dict(type="int", default=300))
    assert not errors and params["timeout"] == 10 and params["api_timeout"] == 5


def test_a_module_option_that_clashes_with_a_connection_option_is_a_programming_error():
    with pytest.raises(ValueError, match="ca_cert"):
        engine_argument_spec(ca_cert=dict(type="str"))
    with pytest.raises(ValueError, match="tls"):
        engine_argument_spec(encrypt=dict(type="bool", aliases=["tls"]))


# ---------------------------------------------------------------- TLS settings


def settings(environ=None, **params):
    kwargs, _files = connection_settings(params, environ or {})
    return kwargs


def test_no_tls_by_default():
    kwargs = settings()
    assert kwargs == dict(base_url="unix:///var/run/docker.sock", version="auto", timeout=60, tls=False)


def test_a_ca_turns_verification_on(pki):
    kwargs = settings(docker_host="tcp://h:2376", ca_path=str(pki / "ca.pem"))
    assert kwargs["tls"] == dict(client_cert=None, ca_cert=str(pki / "ca.pem"), verify=True)


def test_validate_certs_false_keeps_tls_but_does_not_verify(pki):
    kwargs = settings(ca_path=str(pki / "ca.pem"), validate_certs=False, tls=True)
    assert kwargs["tls"] == dict(client_cert=None, ca_cert=None, verify=False)


def test_tls_alone_encrypts_without_verifying():
    assert settings(tls=True)["tls"] == dict(client_cert=None, ca_cert=None, verify=False)


def test_validate_certs_without_a_ca_verifies_against_the_system_cas():
    assert settings(validate_certs=True)["tls"] == dict(client_cert=None, ca_cert=None, verify=True)


def test_a_client_certificate_turns_tls_on(pki):
    kwargs = settings(client_cert=str(pki / "cert.pem"), client_key=str(pki / "key.pem"))
    assert kwargs["tls"] == dict(client_cert=(str(pki / "cert.pem"), str(pki / "key.pem")), ca_cert=None, verify=False)


def test_docker_cert_path_gives_the_files_not_set_when_tls_is_on(pki, tmp_path):
    kwargs = settings({"DOCKER_CERT_PATH": str(pki)}, validate_certs=True)
    assert kwargs["tls"] == dict(
        client_cert=(str(pki / "cert.pem"), str(pki / "key.pem")), ca_cert=str(pki / "ca.pem"), verify=True
    )
    other = tmp_path / "other-ca.pem"
    other.write_text("PEM\n")
    kwargs = settings({"DOCKER_CERT_PATH": str(pki)}, validate_certs=True, ca_path=str(other))
    assert kwargs["tls"]["ca_cert"] == str(other)


def test_docker_cert_path_is_ignored_without_tls(pki):
    assert settings({"DOCKER_CERT_PATH": str(pki)})["tls"] is False


def test_docker_cert_path_without_a_client_pair_only_gives_the_ca(tmp_path):
    (tmp_path / "ca.pem").write_text("PEM\n")
    kwargs = settings({"DOCKER_CERT_PATH": str(tmp_path)}, validate_certs=True)
    assert kwargs["tls"] == dict(client_cert=None, ca_cert=str(tmp_path / "ca.pem"), verify=True)


def test_a_client_cert_without_a_key_names_both_options(pki):
    with pytest.raises(EngineError) as error:
        settings(client_cert=str(pki / "cert.pem"))
    assert "client_cert and client_key must be given together" in str(error.value)
    assert "client_key is not set" in str(error.value)


def test_a_key_from_docker_cert_path_without_its_certificate_names_both_options(tmp_path):
    (tmp_path / "key.pem").write_text("PEM\n")
    with pytest.raises(EngineError) as error:
        settings({"DOCKER_CERT_PATH": str(tmp_path)}, validate_certs=True)
    assert "client_key is %s" % (tmp_path / "key.pem") in str(error.value)
    assert "DOCKER_CERT_PATH %s has no such file" % tmp_path in str(error.value)


def test_a_missing_file_names_its_option(pki):
    with pytest.raises(EngineError, match=r"ca_path: /nonexistent/ca\.pem is not a file"):
        settings(ca_path="/nonexistent/ca.pem")


def test_the_timeout_option_name_is_the_modules(pki):
    kwargs, _files = connection_settings({"api_timeout": 9, "timeout": 300}, {}, "api_timeout")
    assert kwargs["timeout"] == 9


# ---------------------------------------------------------------- connecting


def test_a_socket_that_does_not_exist_is_named(tmp_path):
    socket = tmp_path / "docker.sock"
    with pytest.raises(EngineError) as error:
        open_client({"docker_host": "unix://%s" % socket}, {})
    assert "there is no socket at %s" % socket in str(error.value)


def test_any_sdk_error_becomes_an_engine_error(monkeypatch):
    def refuse(**kwargs):
        raise docker.errors.DockerException("Error while fetching server API version: boom")

    monkeypatch.setattr(docker, "APIClient", refuse)
    with pytest.raises(EngineError) as error:
        open_client({"docker_host": "tcp://127.0.0.1:2375"}, {})
    assert str(error.value).startswith("Cannot reach the Docker engine at tcp://127.0.0.1:2375: Error while fetching")


def test_a_ping_that_fails_becomes_an_engine_error(monkeypatch):
    class Client:
        def __init__(self, **kwargs):
            pass

        def ping(self):
            raise OSError("connection refused")

    monkeypatch.setattr(docker, "APIClient", Client)
    with pytest.raises(EngineError, match="Cannot reach the Docker engine at tcp://h:2375: connection refused"):
        open_client({"docker_host": "tcp://h:2375"}, {})


def test_a_tls_parameter_error_becomes_an_engine_error(monkeypatch, pki):
    def refuse(**kwargs):
        raise docker.errors.TLSParameterError("Path to a certificate and key files must be provided")

    monkeypatch.setattr(docker.tls, "TLSConfig", refuse)
    with pytest.raises(EngineError, match="The TLS settings for tcp://h:2376 were refused"):
        open_client({"docker_host": "tcp://h:2376", "ca_path": str(pki / "ca.pem")}, {})


def test_the_client_gets_the_sdks_tls_config(monkeypatch, pki):
    made = {}

    class Client:
        def __init__(self, **kwargs):
            made.update(kwargs)

        def ping(self):
            return True

    monkeypatch.setattr(docker, "APIClient", Client)
    open_client(
        {
            "docker_host": "tcp://h:2376",
            "ca_path": str(pki / "ca.pem"),
            "client_cert": str(pki / "cert.pem"),
            "client_key": str(pki / "key.pem"),
            "timeout": 5,
            "api_version": "1.45",
        },
        {},
    )
    assert made["base_url"] == "tcp://h:2376" and made["timeout"] == 5 and made["version"] == "1.45"
    assert isinstance(made["tls"], docker.tls.TLSConfig)
    assert made["tls"].cert == (str(pki / "cert.pem"), str(pki / "key.pem"))
    assert made["tls"].verify is True and made["tls"].ca_cert == str(pki / "ca.pem")


class FakeModule:
    def __init__(self, params, argument_spec=None):
        self.params = params
        self.argument_spec = argument_spec or engine_argument_spec()

    def fail_json(self, msg, **kwargs):
        raise RuntimeError(msg)


def test_connect_fails_the_module_with_the_message(tmp_path):
    socket = tmp_path / "nothing.sock"
    with pytest.raises(RuntimeError, match="there is no socket at %s" % socket):
        engine_client.connect(FakeModule({"docker_host": "unix://%s" % socket}))


def test_connect_fails_the_module_for_a_cert_without_a_key(pki):
    with pytest.raises(RuntimeError, match="client_cert and client_key must be given together"):
        engine_client.connect(FakeModule({"client_cert": str(pki / "cert.pem")}))


def test_connect_uses_the_modules_timeout_option(monkeypatch):
    made = {}

    class Client:
        def __init__(self, **kwargs):
            made.update(kwargs)

        def ping(self):
            return True

    monkeypatch.setattr(docker, "APIClient", Client)
    spec = engine_argument_spec(timeout=dict(type="int", default=300))
    engine_client.connect(FakeModule({"docker_host": "tcp://h:2375", "timeout": 300, "api_timeout": 8}, spec))
    assert made["timeout"] == 8


# "The daemon is down": one rule, for the SDK client and for the socket reader.


def test_no_socket_means_the_daemon_is_down(tmp_path):
    with pytest.raises(EngineError) as error:
        open_client({"docker_host": "unix://%s" % (tmp_path / "docker.sock")}, {})
    assert error.value.down


def test_a_refused_connection_means_the_daemon_is_down(monkeypatch):
    class Client:
        def __init__(self, **kwargs):
            pass

        def ping(self):
            raise docker.errors.DockerException("Error while fetching server API version: Connection refused")

    monkeypatch.setattr(docker, "APIClient", Client)
    with pytest.raises(EngineError) as error:
        open_client({"docker_host": "tcp://h:2375"}, {})
    assert error.value.down


@pytest.mark.parametrize(
    "exc,down",
    [
        (ConnectionRefusedError("refused"), True),
        (FileNotFoundError("no socket"), True),
        (TimeoutError("timed out"), True),
        (docker.errors.DockerException("Error while fetching server API version"), True),
        (docker.errors.APIError("500 Server Error"), False),
        (docker.errors.TLSParameterError("no key"), False),
        (ValueError("not JSON"), False),
        (EngineError("refused", down=False), False),
        (EngineError("no socket", down=True), True),
    ],
)
def test_daemon_down(exc, down):
    assert engine_client.daemon_down(exc) is down


def test_a_tls_refusal_is_not_the_daemon_down(monkeypatch, pki):
    def refuse(**kwargs):
        raise docker.errors.TLSParameterError("Path to a certificate and key files must be provided")

    monkeypatch.setattr(docker.tls, "TLSConfig", refuse)
    with pytest.raises(EngineError) as error:
        open_client({"docker_host": "tcp://h:2376", "ca_path": str(pki / "ca.pem")}, {})
    assert not error.value.down


@pytest.mark.parametrize(
    "docker_host,path",
    [("unix:///run/docker.sock", "/run/docker.sock"), ("tcp://h:2376", None), (None, "/var/run/docker.sock")],
)
def test_unix_socket(docker_host, path):
    assert engine_client.unix_socket(docker_host) == path


# The socket reader engine_package uses before the SDK is installed.


class _UnixHTTPServer(socketserver.UnixStreamServer):
    def get_request(self):
        request, _address = super().get_request()
        return request, ("local", 0)


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(status, body):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        path = str(tmp_path / "docker.sock")
        server = _UnixHTTPServer(path, Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return path

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_server_version_reads_the_engine_api(serve):
    assert (
        engine_client.server_version(serve(200, '{"Version": "26.1.5+dfsg1", "ApiVersion": "1.45"}')) == "26.1.5+dfsg1"
    )


def test_server_version_is_none_when_the_engine_errors(serve):
    assert engine_client.server_version(serve(500, '{"message": "boom"}')) is None


def test_server_version_is_none_without_a_socket(tmp_path):
    assert engine_client.server_version(str(tmp_path / "docker.sock")) is None


def test_read_socket_says_the_daemon_is_down_without_a_socket(tmp_path):
    with pytest.raises(EngineError, match="there is no socket at") as error:
        engine_client.read_socket(str(tmp_path / "docker.sock"), "/version")
    assert error.value.down


def test_read_socket_says_the_daemon_is_down_when_nothing_listens(tmp_path):
    path = tmp_path / "docker.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.close()  # the file stays, nobody listens: connection refused
    with pytest.raises(EngineError, match="did not answer GET /version") as error:
        engine_client.read_socket(str(path), "/version")
    assert error.value.down


def test_read_socket_names_an_http_error_and_the_engine_is_not_down(serve):
    with pytest.raises(EngineError, match="answered GET /info with HTTP 500") as error:
        engine_client.read_socket(serve(500, '{"message": "boom"}'), "/info")
    assert not error.value.down


class _FakeModule:
    def __init__(self, out, rc=0):
        self.out, self.rc = out, rc

    def get_bin_path(self, name, required=False):
        return "/usr/bin/" + name

    def run_command(self, cmd):
        return self.rc, self.out, ""


@pytest.mark.parametrize(
    "out,expected",
    [
        ("Docker version 26.1.5+dfsg1, build a72d7cd\n", "26.1.5+dfsg1"),
        ("Docker version 24.0.7, build afdd53b\n", "24.0.7"),
        ("", None),
    ],
)
def test_client_version(out, expected):
    assert engine_client.client_version(_FakeModule(out)) == expected


# ---------------------------------------------------------------- unlock_swarm: the one way modules unlock


class _Locked:
    """An engine whose swarm data autolock locked; it takes only ``right``."""

    def __init__(self, right="SWMKEY-1-right"):
        self.right = right
        self.calls = []

    def unlock_swarm(self, key):
        self.calls.append(key)
        if key != self.right:
            raise docker.errors.APIError("invalid key", explanation="swarm could not be unlocked: invalid key provided")


def test_unlock_swarm_unlocks_a_locked_node_with_the_right_key():
    client = _Locked()
    assert engine_client.unlock_swarm(client, {"LocalNodeState": "locked"}, "SWMKEY-1-right") is True
    assert client.calls == ["SWMKEY-1-right"]


def test_unlock_swarm_leaves_a_node_that_is_not_locked_alone_even_without_a_key():
    client = _Locked()
    for state in ("active", "inactive", "pending", "error"):
        assert engine_client.unlock_swarm(client, {"LocalNodeState": state}, None) is False
    assert client.calls == []


def test_unlock_swarm_in_check_mode_predicts_without_calling_the_engine():
    client = _Locked()
    assert engine_client.unlock_swarm(client, {"LocalNodeState": "locked"}, "SWMKEY-1-old", check=True) is True
    assert client.calls == []


def test_unlock_swarm_without_a_key_names_unlock_key_and_sends_nothing():
    client = _Locked()
    for check in (False, True):
        with pytest.raises(EngineError) as raised:
            engine_client.unlock_swarm(client, {"LocalNodeState": "locked"}, "", check=check)
        assert "unlock_key" in str(raised.value) and "docker swarm unlock-key -q" in str(raised.value)
    assert client.calls == []


def test_unlock_swarm_with_a_wrong_key_says_what_the_engine_said_and_what_to_pass():
    client = _Locked()
    with pytest.raises(EngineError) as raised:
        engine_client.unlock_swarm(client, {"LocalNodeState": "locked"}, "SWMKEY-1-old")
    message = str(raised.value)
    assert "unlock this node with the given unlock_key" in message
    assert "invalid key provided" in message and "SWMKEY" not in message
    assert not raised.value.down


@pytest.mark.parametrize(
    "swarm, on",
    [
        ({"Spec": {"EncryptionConfig": {"AutoLockManagers": True}}}, True),
        ({"Spec": {"EncryptionConfig": {"AutoLockManagers": False}}}, False),
        ({"Spec": {"EncryptionConfig": {}}}, False),
        ({"Spec": {}}, False),
        ({}, False),
        (None, False),
    ],
)
def test_autolock_on_reads_the_swarm_spec_and_is_off_when_it_says_nothing(swarm, on):
    assert engine_client.autolock_on(swarm) is on
