# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One way for every dockfleet module to reach the Docker engine, and to turn the
engine's errors into messages that say what failed and what to do about it.

Modules use the low-level ``docker.APIClient``: it returns the engine's own JSON,
which is what the comparison logic in the other module_utils works on.

The connection options carry community.docker's names, aliases, environment variables
and meanings (see the dockfleet.docker.engine doc fragment), so a task written for
community.docker's modules, or ``module_defaults`` for its action group, reaches the
same engine here.

Before the SDK is installed (``engine_package`` installs the engine and then python3-docker),
``read_socket`` asks the local engine's Unix socket with the standard library only.

"The daemon is down" has one meaning everywhere: nothing answers where the engine should be
(no socket, connection refused or reset, no answer in time). An engine that answers with an
error, or TLS settings that are refused, is not "down": that is an ``EngineError`` with
``down`` false, and the message says what to fix.
"""

from __future__ import annotations

import contextlib
import copy
import http.client as http_client
import json
import os
import socket
import traceback

from ansible.module_utils.basic import env_fallback

try:
    import docker
    from docker import errors as docker_errors

    HAS_DOCKER_SDK = True
    DOCKER_SDK_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - depends on the managed host
    HAS_DOCKER_SDK = False
    DOCKER_SDK_IMPORT_ERROR = traceback.format_exc()

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
DEFAULT_TIMEOUT = 60

# The options documented by the dockfleet.docker.engine doc fragment. The aliases keep the
# names dockfleet used before (tls_ca_cert, tls_client_cert, tls_client_key, api_timeout).
ENGINE_CONNECTION_ARGS = dict(
    docker_host=dict(
        type="str", default=DEFAULT_DOCKER_HOST, aliases=["docker_url"], fallback=(env_fallback, ["DOCKER_HOST"])
    ),
    api_version=dict(
        type="str", default="auto", aliases=["docker_api_version"], fallback=(env_fallback, ["DOCKER_API_VERSION"])
    ),
    timeout=dict(
        type="int", default=DEFAULT_TIMEOUT, aliases=["api_timeout"], fallback=(env_fallback, ["DOCKER_TIMEOUT"])
    ),
    ca_path=dict(type="path", aliases=["ca_cert", "tls_ca_cert", "cacert_path"]),
    client_cert=dict(type="path", aliases=["tls_client_cert", "cert_path"]),
    client_key=dict(type="path", aliases=["tls_client_key", "key_path"]),
    tls=dict(type="bool", default=False, fallback=(env_fallback, ["DOCKER_TLS"])),
    validate_certs=dict(type="bool", aliases=["tls_verify"], fallback=(env_fallback, ["DOCKER_TLS_VERIFY"])),
)

# What AnsibleModule gets besides the argument spec, for every module that connects.
ENGINE_REQUIRED_TOGETHER = [("client_cert", "client_key")]

# The files docker and community.docker take from DOCKER_CERT_PATH when an option is not given.
CERT_PATH_FILES = dict(ca_path="ca.pem", client_cert="cert.pem", client_key="key.pem")


class EngineError(Exception):
    """An engine call failed; the message is meant for the user as it is.

    ``down`` is true when nothing answered where the engine should be (see ``daemon_down``).
    """

    def __init__(self, message, down=False):
        super().__init__(message)
        self.down = down


def daemon_down(exc):
    """The one rule for "the daemon is down": nothing answered.

    True for an ``EngineError`` raised with ``down``, and for connection-level failures (no
    socket, refused, reset, timed out); false when the engine answered with an HTTP error
    (the SDK's ``APIError``) or the TLS settings were refused before connecting.
    """
    if isinstance(exc, EngineError):
        return exc.down
    if HAS_DOCKER_SDK and isinstance(exc, (docker_errors.APIError, docker_errors.TLSParameterError)):
        return False
    if isinstance(exc, (http_client.HTTPException, ValueError)):
        return False  # something answered, but not as an engine does
    return isinstance(exc, OSError) or (HAS_DOCKER_SDK and isinstance(exc, docker_errors.DockerException))


def unix_socket(docker_host):
    """The socket path of a ``unix://`` docker_host, else None."""
    docker_host = docker_host or DEFAULT_DOCKER_HOST
    return docker_host[len("unix://") :] if docker_host.startswith("unix://") else None


class _UnixHTTPConnection(http_client.HTTPConnection):
    def __init__(self, path, timeout):
        http_client.HTTPConnection.__init__(self, "localhost", timeout=timeout)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def read_socket(path, endpoint, timeout=5):
    """GET ``endpoint`` (e.g. "/version") from the engine's Unix socket, without the SDK.

    Returns the decoded JSON; raises ``EngineError`` (``down`` per ``daemon_down``).
    """
    if not os.path.exists(path):
        raise EngineError(_no_socket_message("unix://" + path, path), down=True)
    conn = _UnixHTTPConnection(path, timeout)
    try:
        conn.request("GET", endpoint)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        if response.status != 200:
            raise EngineError(
                "The Docker engine at %s answered GET %s with HTTP %s: %s"
                % (path, endpoint, response.status, body.strip()[:200])
            )
        return json.loads(body)
    except EngineError:
        raise
    except (OSError, ValueError, http_client.HTTPException) as exc:
        raise EngineError(
            "The Docker engine at %s did not answer GET %s: %s" % (path, endpoint, exc), down=daemon_down(exc)
        ) from exc
    finally:
        conn.close()


def server_version(path, timeout=5):
    """The engine's version from GET /version on its socket, or None when it does not answer."""
    try:
        return read_socket(path, "/version", timeout).get("Version")
    except (EngineError, AttributeError):
        return None


def client_version(module):
    """The docker CLI's version (``docker --version``), or None without a working CLI."""
    docker_cli = module.get_bin_path("docker")
    if not docker_cli:
        return None
    rc, out, _err = module.run_command([docker_cli, "--version"])
    # "Docker version 26.1.5+dfsg1, build a72d7cd"
    words = out.replace(",", " ").split()
    return words[2] if rc == 0 and len(words) > 2 else None


def _no_socket_message(where, path):
    return (
        "Cannot reach the Docker engine at %s: there is no socket at %s on this host. Is docker installed and "
        "running (systemctl status docker), and is docker_host right?" % (where, path)
    )


def _names(spec):
    names = set()
    for name, option in spec.items():
        names.add(name)
        names.update(option.get("aliases") or [])
    return names


def engine_argument_spec(**module_args):
    """The module's own options plus the shared connection options.

    A module whose own option is called ``timeout`` (swarm_health waits that long) keeps it;
    its engine API timeout is then ``api_timeout`` only. Any other clash is a programming
    error and raises ``ValueError``.
    """
    spec = copy.deepcopy(ENGINE_CONNECTION_ARGS)
    own = _names(module_args)
    if "timeout" in own:
        api_timeout = spec.pop("timeout")
        api_timeout["aliases"] = [alias for alias in api_timeout["aliases"] if alias != "api_timeout"]
        spec["api_timeout"] = api_timeout
    clashes = sorted(own & _names(spec))
    if clashes:
        raise ValueError("module options %s clash with the engine connection options" % ", ".join(clashes))
    spec.update(module_args)
    return spec


def timeout_option(argument_spec):
    """The name of the engine API timeout option in ``argument_spec`` (see engine_argument_spec)."""
    return "api_timeout" if "api_timeout" in argument_spec else "timeout"


def connection_settings(params, environ=None, timeout_name="timeout"):
    """The keyword arguments for ``docker.APIClient`` that ``params`` ask for.

    TLS follows community.docker: O(validate_certs) verifies the engine's certificate, O(tls)
    encrypts without verifying, and files not given come from E(DOCKER_CERT_PATH) when TLS is on.
    Where dockfleet is stricter: a CA given as O(ca_path) turns verification on unless
    O(validate_certs=false) is set, and a client certificate given as an option turns TLS on.
    Returns ``(kwargs, tls_files)``; raises ``EngineError`` naming the option that is wrong.
    """
    environ = os.environ if environ is None else environ
    files = dict((option, params.get(option)) for option in CERT_PATH_FILES)
    validate = params.get("validate_certs")
    if validate is None:
        validate = bool(files["ca_path"])
    use_tls = bool(params.get("tls")) or bool(validate) or bool(files["client_cert"] or files["client_key"])
    cert_path = environ.get("DOCKER_CERT_PATH")
    if use_tls and cert_path:
        for option, name in CERT_PATH_FILES.items():
            candidate = os.path.join(cert_path, name)
            if not files[option] and os.path.isfile(candidate):
                files[option] = candidate
    if bool(files["client_cert"]) != bool(files["client_key"]):
        given, missing = ("client_cert", "client_key") if files["client_cert"] else ("client_key", "client_cert")
        raise EngineError(
            "client_cert and client_key must be given together: %s is %s but %s is not set%s. Give both (the "
            "certificate and its key), or neither." % (given, files[given], missing, _cert_path_note(cert_path))
        )
    for option, path in files.items():
        if path and not os.path.isfile(path):
            raise EngineError(
                "%s: %s is not a file on this host (the module runs on the managed host)." % (option, path)
            )
    kwargs = dict(
        base_url=params.get("docker_host") or DEFAULT_DOCKER_HOST,
        version=params.get("api_version") or "auto",
        timeout=params.get(timeout_name) or DEFAULT_TIMEOUT,
        tls=False,
    )
    if use_tls:
        kwargs["tls"] = dict(
            client_cert=(files["client_cert"], files["client_key"]) if files["client_cert"] else None,
            ca_cert=files["ca_path"] if validate else None,
            verify=bool(validate),
        )
    return kwargs, files


def _cert_path_note(cert_path):
    return " (DOCKER_CERT_PATH %s has no such file)" % cert_path if cert_path else ""


def open_client(params, environ=None, timeout_name="timeout"):
    """A ``docker.APIClient`` that has answered a ping; every failure is an ``EngineError``."""
    kwargs, _files = connection_settings(params, environ, timeout_name)
    where = kwargs["base_url"]
    path = unix_socket(where)
    if path and not os.path.exists(path):
        raise EngineError(_no_socket_message(where, path), down=True)
    try:
        if kwargs["tls"]:
            kwargs["tls"] = docker.tls.TLSConfig(**kwargs["tls"])
    except docker_errors.TLSParameterError as exc:
        raise EngineError(
            "The TLS settings for %s were refused (ca_path, client_cert, client_key): %s" % (where, exc)
        ) from exc
    try:
        client = docker.APIClient(**kwargs)
        client.ping()
    except Exception as exc:  # the SDK raises several unrelated types here (DockerException, requests, OSError)
        raise EngineError(
            "Cannot reach the Docker engine at %s: %s. Is docker running (systemctl status docker), and are "
            "docker_host and the TLS options right?" % (where, getattr(exc, "explanation", None) or exc),
            down=daemon_down(exc),
        ) from exc
    return client


def require_sdk(module):
    """Fail the module, saying what to install, when the Docker SDK for Python is missing."""
    if not HAS_DOCKER_SDK:
        module.fail_json(
            msg="The Docker SDK for Python is not installed on this host. Install python3-docker "
            "(the dockfleet.docker.engine role does) or the 'docker' package for the Python Ansible uses.",
            exception=DOCKER_SDK_IMPORT_ERROR,
        )


def connect(module):
    """Return a ``docker.APIClient`` for the engine the module's options name.

    Fails the module with an actionable message when the SDK is missing, the options do not
    fit together or the engine does not answer, so callers never see a half-made client.
    """
    require_sdk(module)
    try:
        return open_client(module.params, timeout_name=timeout_option(getattr(module, "argument_spec", {})))
    except EngineError as exc:
        module.fail_json(msg=str(exc))


@contextlib.contextmanager
def engine_errors(module, action):
    """Turn any engine error raised while doing ``action`` into ``fail_json``.

    ``action`` completes the sentence "Docker engine refused to ...", e.g.
    "create network 'frontend'".
    """
    try:
        yield
    except EngineError as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:
        explanation = getattr(exc, "explanation", None) or str(exc)
        module.fail_json(msg="Docker engine refused to %s: %s" % (action, explanation))


def manager_swarm_state(module, client, run_on):
    """The engine's swarm state (``info()["Swarm"]``) where this engine is a reachable swarm manager; otherwise the
    task fails, saying the host's local node state and ``run_on``, where to run it instead."""
    with engine_errors(module, "report its swarm state"):
        swarm = client.info().get("Swarm") or {}
    if not swarm.get("ControlAvailable"):
        module.fail_json(
            msg="This host is not a reachable swarm manager (local node state '%s'): %s"
            % (swarm.get("LocalNodeState"), run_on)
        )
    return swarm


def autolock_on(swarm):
    """Whether autolock is on (a restarted manager comes back locked), from the swarm's ``inspect_swarm()`` answer."""
    return bool((((swarm or {}).get("Spec") or {}).get("EncryptionConfig") or {}).get("AutoLockManagers"))


# Where the key that unlocks a node comes from, whatever the module: a rotated key replaces the old one, and restored
# swarm data takes the key that was in force when it was backed up.
_KEY_SOURCE = (
    "the key that locks this node's swarm data now (from your vault, or 'docker swarm unlock-key -q' on an unlocked "
    "manager of the same swarm; after a rotation only the new key works)"
)


def unlock_swarm(client, swarm, unlock_key, check=False):
    """Unlock this engine's swarm data when autolock locked it after a restart: the one way every module unlocks.

    ``swarm`` is the engine's ``info()["Swarm"]``. Returns True when the node was locked (and, unless ``check``, is
    unlocked now), False when it was not locked. Raises ``EngineError`` naming unlock_key when no key was given or
    the engine refused it; nothing is sent to the engine without a key or with ``check``.
    """
    if swarm.get("LocalNodeState") != "locked":
        return False
    if not unlock_key:
        raise EngineError(
            "This node's swarm data is locked (autolock is on and the engine restarted). Pass unlock_key: %s."
            % _KEY_SOURCE
        )
    if check:
        return True
    try:
        client.unlock_swarm(unlock_key)
    except Exception as exc:
        raise EngineError(
            "Docker engine refused to unlock this node with the given unlock_key: %s. Pass %s."
            % (getattr(exc, "explanation", None) or exc, _KEY_SOURCE)
        ) from exc
    return True


def is_not_found(exc):
    """True when ``exc`` is the engine saying an object does not exist."""
    return HAS_DOCKER_SDK and isinstance(exc, docker_errors.NotFound)
