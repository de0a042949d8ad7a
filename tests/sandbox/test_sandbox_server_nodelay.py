"""The stand-ins answer at once over loopback, as the services do: the connections their
listening socket accepts have TCP_NODELAY, so an answer's body never waits for the client
to acknowledge its headers (about 40 ms per request on a keep-alive connection)."""

from __future__ import annotations

import socket

from recontui.sandbox.server import _listen


def test_connections_the_stand_ins_accept_send_without_delay() -> None:
    listener = _listen("127.0.0.1", 0)
    try:
        client = socket.create_connection(listener.getsockname()[:2])
        accepted, _ = listener.accept()
        try:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            accepted.close()
            client.close()
    finally:
        listener.close()
