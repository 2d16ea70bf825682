"""Serving a WSGI app with waitress: in the foreground (`loopbot serve`), as several processes
sharing one port (`LOOPBOT_PROCESSES`), or in a thread (tests).

SIGTERM (or SIGINT) drains a serving process: it stops accepting, lets the requests in flight
finish and the work they started after acknowledging (`drain`), then exits 0, all within a grace
period (`LOOPBOT_GRACE_SECONDS`); past it, it exits 1 and says what was left.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from bot import metrics

log = logging.getLogger("loopbot.server")


def _create(app: Callable, *, threads: int, **where):
    # Behind a load balancer: forwarded headers from untrusted peers are dropped, not believed.
    return create_server(
        app,
        threads=threads,
        clear_untrusted_proxy_headers=True,
        ident="loopbot",
        **where,
    )


Built = tuple[Callable, Callable[[], None]]
"""What a serving process builds: its WSGI app, and how to drain what that app started."""


class BackgroundServer:
    """A waitress server on a thread; `url` is where it listens."""

    def __init__(
        self,
        app: Callable,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        listener: socket.socket | None = None,
    ):
        where = {"sockets": [listener]} if listener else {"host": host, "port": port}
        self._server = _create(app, threads=threads, **where)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="loopbot-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            # Closing the sockets under waitress's select() ends its loop this way; only a
            # failure we did not ask for is an error.
            if not self._stopping:
                raise

    def stop(self) -> None:
        """Close the sockets, end the loop, and tell the threads that ran requests to end
        (waitress leaves them waiting for more, each holding the app and all it refers to).
        Not waited for: an idle one ends at once, one still answering once it has answered,
        so a stop after the grace period is not held up by the request that outlasted it."""
        self._stopping = True
        try:
            self._close()
        finally:
            self._server.task_dispatcher.set_thread_count(0)

    def _close(self) -> None:
        if not self._thread.is_alive():
            self._server.close()
            return
        # Closed from inside waitress's loop, woken by its trigger: the loop ends now rather
        # than at its next one-second select() timeout. A trigger waitress already closed (it
        # closes its own on an error in the loop) cannot wake it: close from here then, and the
        # loop sees it at that timeout.
        try:
            self._server.trigger.pull_trigger(self._server.close)
        except OSError:
            self._server.close()
        self._thread.join(timeout=5)

    def drain(self, then: Callable[[], None], *, grace_s: float) -> bool:
        """Stop accepting, wait for the requests in flight, run `then`, close; True when all of
        it finished within `grace_s`."""
        deadline = time.monotonic() + grace_s
        channels = self._map()
        for listening in [c for c in channels.values() if isinstance(c, BaseWSGIServer)]:
            listening.accepting = False
        while time.monotonic() < deadline and self._busy(channels):
            time.sleep(0.02)
        in_flight = self._busy(channels)
        finishing = threading.Thread(target=then, name="loopbot-drain", daemon=True)
        finishing.start()
        finishing.join(timeout=max(0.0, deadline - time.monotonic()))
        if in_flight or finishing.is_alive():
            log.error(
                "grace period over with work left",
                extra={"requests": in_flight, "after_ack": finishing.is_alive()},
            )
        self.stop()
        return not in_flight and not finishing.is_alive()

    def _map(self) -> dict:
        return getattr(self._server, "map", None) or self._server._map

    def _busy(self, channels: dict) -> int:
        """Requests received and not yet fully answered."""
        tasks = self._server.task_dispatcher
        busy = [
            c
            for c in list(channels.values())
            if isinstance(c, HTTPChannel) and (c.requests or c.total_outbufs_len)
        ]
        return len(busy) + len(tasks.queue) + tasks.active_count

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(
    build: Callable[[], Built],
    *,
    listener: socket.socket,
    threads: int,
    processes: int = 1,
    grace_s: float = 20.0,
) -> int:
    """Serve the app `build()` returns on `listener` until stopped; returns the exit status.

    With several processes, this one forks them; each builds its own app (database
    connections, scheduler) and accepts on the shared socket. Python runs one thread at a time
    per process, so one process per core is what lets a replica use its cores."""
    if processes <= 1:
        return serve_process(listener, build, threads=threads, grace_s=grace_s)
    supervisor = Supervisor(listener, build, threads=threads, processes=processes, grace_s=grace_s)
    with metrics.shared_between_processes():
        return supervisor.run()


def stop_on_signals() -> threading.Event:
    """An event SIGTERM or SIGINT sets (once, in a process that serves)."""
    stop = threading.Event()

    def on_stop(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    return stop


def serve_process(
    listener: socket.socket,
    build: Callable[[], Built],
    *,
    threads: int,
    grace_s: float,
    ready: Callable[[], None] = lambda: None,
    stop: threading.Event | None = None,
) -> int:
    """One serving process, until SIGTERM or SIGINT drains it: 0 when everything finished
    within the grace period, 1 when it had to leave work behind."""
    stop = stop or stop_on_signals()
    app, drain = build()
    server = BackgroundServer(app, listener=listener, threads=threads).start()
    ready()
    while not stop.wait(0.5):
        pass
    log.info("stopping: finishing the requests in flight", extra={"grace_s": grace_s})
    drained = server.drain(drain, grace_s=grace_s)
    if drained:
        log.info("stopped")
    return 0 if drained else 1


@dataclass
class _Child:
    ready_fd: int
    """Its end of a pipe it writes one byte to once it is ready to serve."""
    ready: bool = False


def _check_ready(child: _Child) -> bool:
    if not child.ready:
        try:
            child.ready = os.read(child.ready_fd, 1) == b"1"
        except BlockingIOError:
            pass
    return child.ready


_HELD_BACK = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


class Supervisor:
    """Keeps `processes` serving processes running on one listening socket.

    SIGHUP is passed on (each re-reads the documents); SIGTERM or SIGINT stops them all. One
    that dies is started again, unless it died before it was ready to serve, which stops the
    lot: a broken database URL will not fix itself by retrying."""

    def __init__(
        self,
        listener: socket.socket,
        build: Callable[[], Callable],
        *,
        threads: int,
        processes: int,
        grace_s: float = 20.0,
    ):
        self.listener = listener
        self.build = build
        self.threads = threads
        self.processes = processes
        self.grace_s = grace_s
        self.children: dict[int, _Child] = {}
        self.stopping = False
        self.status = 0

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, self._pass_on)
        for _ in range(self.processes):
            self._start()
        while self.children:
            waiting = {c.ready_fd: pid for pid, c in self.children.items() if not c.ready}
            readable, _, _ = select.select(list(waiting), [], [], 0.5)
            for fd in readable:
                self._heard(waiting[fd])
            self._reap()
        self.listener.close()
        return self.status

    def _heard(self, pid: int) -> None:
        if _check_ready(self.children[pid]):
            ready = sum(c.ready for c in self.children.values())
            log.info("serving process ready (%s of %s)", ready, self.processes)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            _check_ready(child)
            os.close(child.ready_fd)
            code = os.waitstatus_to_exitcode(wait_status)
            if self.stopping:
                if code != 0 and self.status == 0:
                    self.status = code if code > 0 else 1
                continue
            if not child.ready:
                log.error("a serving process failed to start (exit %s); stopping", code)
                self.status = code if code > 0 else 1
                self._stop(signal.SIGTERM, None)
                continue
            log.warning("a serving process exited (%s); starting another", code)
            self._start()

    def _start(self) -> None:
        ready_fd, say_ready = os.pipe()
        # Signals wait while a process starts: until the new one has its own handlers, a stop
        # would run the supervisor's in it (and be lost there); until the supervisor has noted
        # it, a stop would not be passed on to it. Either way it would serve on, and be waited
        # for forever.
        signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_BACK)
        pid = os.fork()
        if pid:
            os.close(say_ready)
            os.set_blocking(ready_fd, False)
            self.children[pid] = _Child(ready_fd)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD_BACK)
            return
        os.close(ready_fd)
        # A stop that comes while this process is still starting is kept, then drains it.
        stop = stop_on_signals()
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD_BACK)
        code = 0

        def ready() -> None:
            os.write(say_ready, b"1")
            os.close(say_ready)

        try:
            code = serve_process(
                self.listener,
                self.build,
                threads=self.threads,
                grace_s=self.grace_s,
                ready=ready,
                stop=stop,
            )
        except BaseException as error:  # noqa: BLE001 - the parent decides what happens next
            print(f"loopbot: serving process stopped: {type(error).__name__}", file=sys.stderr)
            code = 1
        finally:
            os._exit(code)

    def _stop(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            # Each process drains; once they have closed their copies too, the port refuses.
            self.listener.close()
        self.stopping = True
        self._signal_all(signal.SIGTERM)

    def _pass_on(self, signum: int, _frame: object) -> None:
        self._signal_all(signum)

    def _signal_all(self, signum: int) -> None:
        for pid in list(self.children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass
