"""Serving a Sandbox over real sockets: blocking ``serve`` and a background runner.

Port 0 asks the OS for a free port; the bound port is read back from uvicorn's sockets
so callers always learn the real base URL. The listening socket is bound here, before
uvicorn starts, so a port in use is one sentence (:class:`PortUnavailable`), not
uvicorn's exit from inside its event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn

from .config import SandboxConfig
from .sandbox import Sandbox


class PortUnavailable(Exception):
    """The stand-ins cannot listen where asked; the message says what to do instead."""


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket for ``host``:``port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} on {host} is in use; choose another with --port, or 0 for a free one."
            ) from None
        reason = exc.strerror or str(exc)
        raise PortUnavailable(
            f"cannot listen on {host} port {port} ({reason}); choose another with --host or "
            "--port, or --port 0 for a free one."
        ) from None
    # Answers go out at once, as the services' do: without TCP_NODELAY (which asyncio sets
    # only on sockets it made itself) an answer's body waits for the client to acknowledge
    # its headers, about 40 ms per request on a keep-alive connection. Connections
    # accepted on this socket inherit the option.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _server(sandbox: Sandbox, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        sandbox.app, host=host, port=port, log_level="warning", lifespan="off", access_log=False
    )
    return uvicorn.Server(config)


def _bound_url(server: uvicorn.Server, host: str) -> str:
    port = server.servers[0].sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


async def _run(
    server: uvicorn.Server,
    host: str,
    on_ready: Callable[[str], None] | None,
    ready: Callable[[str], None] | None = None,
    sock: socket.socket | None = None,
) -> None:
    task = asyncio.create_task(server.serve(sockets=None if sock is None else [sock]))
    while not server.started:
        if task.done():
            await task  # startup failed: surface the error
            return
        await asyncio.sleep(0.01)
    url = _bound_url(server, host)
    if ready is not None:
        ready(url)
    if on_ready is not None:
        on_ready(url)
    await task


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    config: SandboxConfig | None = None,
    on_ready: Callable[[str], None] | None = None,
    *,
    sandbox: Sandbox | None = None,
) -> None:
    """Run the stand-ins until SIGINT/SIGTERM, then shut down cleanly and return."""
    sandbox = sandbox or Sandbox(config or SandboxConfig())
    sock = _listen(host, port)
    server = _server(sandbox, host, port)
    previous = None
    if threading.current_thread() is threading.main_thread():
        # uvicorn re-raises the signal after its graceful shutdown; turning SIGTERM into
        # KeyboardInterrupt lets both signals end here instead of killing the process.
        def _interrupt(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(server, host, on_ready, sock=sock))
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


#: How long a stand-in may take to start serving (its thread still alive) before giving up.
START_DEADLINE = 600.0


class RunningSandbox:
    """A Sandbox served on a loopback port from a background thread."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.sandbox = sandbox or Sandbox(config or SandboxConfig())
        self.host = host
        self.port = port
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> RunningSandbox:
        """Serve from a background thread; :class:`PortUnavailable` when the port is taken."""
        sock = _listen(self.host, self.port)
        self._server = _server(self.sandbox, self.host, self.port)

        def ready(url: str) -> None:
            self.base_url = url
            self._ready.set()

        def run() -> None:
            try:
                asyncio.run(_run(self._server, self.host, None, ready, sock))  # type: ignore[arg-type]
            except BaseException as exc:  # surfaced to the starting thread
                self._error = exc
            finally:
                self._ready.set()

        self._thread = threading.Thread(target=run, name="recontui-sandbox", daemon=True)
        self._thread.start()
        # No fixed wait: a company of a million records takes longer than any short
        # timeout to get going (one full garbage collection of its heap took ~16 s), so
        # wait while the server's thread lives, up to START_DEADLINE.
        deadline = time.monotonic() + START_DEADLINE
        while not self._ready.wait(timeout=0.5):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                break
        if self._error is not None or not self.base_url:
            self.stop()
            raise RuntimeError(f"sandbox server did not start: {self._error!r}")
        return self

    def credentials(self) -> dict[str, dict[str, str]]:
        return self.sandbox.credentials(self.base_url)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> RunningSandbox:
        return self if self._thread is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
