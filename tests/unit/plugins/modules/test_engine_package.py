# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine_package module's own helpers: reading the engine's version over its socket."""

from __future__ import annotations

import http.server
import socketserver
import threading

import pytest

from ansible_collections.dockfleet.docker.plugins.modules import engine_package


class _UnixHTTPServer(socketserver.UnixStreamServer):
    def get_request(self):
        request, _address = super().get_request()
        return request, ("local", 0)


def _serve(path, status, body):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = _UnixHTTPServer(str(path), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def socket_path(tmp_path):
    return tmp_path / "docker.sock"


def test_server_version_reads_the_engine_api(socket_path):
    server = _serve(socket_path, 200, '{"Version": "26.1.5+dfsg1", "ApiVersion": "1.45"}')
    try:
        assert engine_package.server_version(str(socket_path)) == "26.1.5+dfsg1"
    finally:
        server.shutdown()
        server.server_close()


def test_server_version_is_none_when_the_engine_errors(socket_path):
    server = _serve(socket_path, 500, '{"message": "boom"}')
    try:
        assert engine_package.server_version(str(socket_path)) is None
    finally:
        server.shutdown()
        server.server_close()


def test_server_version_is_none_without_a_socket(socket_path):
    assert engine_package.server_version(str(socket_path)) is None


class _FakeModule:
    def __init__(self, out, rc=0):
        self.out, self.rc = out, rc

    def get_bin_path(self, name):
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
    assert engine_package.client_version(_FakeModule(out)) == expected
