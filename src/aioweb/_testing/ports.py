"""Listening sockets for test servers: a free port, or a bound socket to listen on.

A port found by :func:`unused_port` is free when the function returns, not when a server
binds it later: another process may take it in between. Test servers therefore bind port 0
themselves (through :func:`get_port_socket`) and read the port the kernel chose; use
:func:`unused_port` only for programs that must be told a port before they start.
"""

from __future__ import annotations

import socket
import sys

__all__ = ["get_port_socket", "get_unused_port_socket", "unused_port"]

# On Windows SO_REUSEADDR lets a second socket steal a bound port, so it is never set there;
# elsewhere it lets a test rebind a port whose previous connection is in TIME_WAIT.
_REUSE_ADDRESS = sys.platform != "win32"


def get_port_socket(
    host: str, port: int, family: socket.AddressFamily = socket.AF_INET
) -> socket.socket:
    """Create a TCP socket bound to ``host`` and ``port``, ready to listen on.

    Args:
        host: The address to bind, e.g. ``"127.0.0.1"`` or ``"::1"``.
        port: The port; 0 lets the kernel choose a free one.
        family: ``socket.AF_INET`` or ``socket.AF_INET6``, matching ``host``.

    Returns:
        The bound socket (the caller closes it, or hands it to a server that will).

    Raises:
        OSError: The address cannot be bound (in use, or not an address of this host).
    """
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if _REUSE_ADDRESS:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def get_unused_port_socket(
    host: str, family: socket.AddressFamily = socket.AF_INET
) -> socket.socket:
    """Create a TCP socket bound to a free port of ``host``.

    Args:
        host: The address to bind.
        family: The address family of ``host``.

    Returns:
        The bound socket; ``sock.getsockname()[1]`` is its port.
    """
    return get_port_socket(host, 0, family)


def unused_port() -> int:
    """Return a TCP port of 127.0.0.1 that is free right now.

    Returns:
        The port number. Nothing reserves it: bind it soon, and prefer binding port 0.
    """
    with get_unused_port_socket("127.0.0.1") as sock:
        return int(sock.getsockname()[1])
