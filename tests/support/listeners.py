"""TCP listeners on loopback that hand each accepted connection to a handler thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

Handler = Callable[[socket.socket], None]


class Listeners:
    """Accept on each ``(listener, handler)`` pair in its own thread until :meth:`stop`."""

    def __init__(self) -> None:
        self._pairs: list[tuple[socket.socket, Handler]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def add(self, listener: socket.socket, handler: Handler) -> None:
        """Serve ``listener`` with ``handler`` (called in a new thread per connection)."""
        self._pairs.append((listener, handler))

    def start(self) -> None:
        """Start accepting on every listener."""
        for listener, handler in self._pairs:
            listener.settimeout(0.2)
            thread = threading.Thread(target=self._accept, args=(listener, handler), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop accepting and close the listeners (open connections end with their handler)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(2)
        for listener, _handler in self._pairs:
            listener.close()

    def _accept(self, listener: socket.socket, handler: Handler) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(10)
            threading.Thread(target=handler, args=(conn,), daemon=True).start()
