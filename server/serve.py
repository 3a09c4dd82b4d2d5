"""Serving with several worker processes, each on its own listening socket (SO_REUSEPORT).

uvicorn's own ``--workers`` shares one listening socket between the workers, and each worker's event loop
accepts every connection waiting at once. When many clients connect within a moment (a filing deadline),
one worker takes them all and, since clients keep their connections open, keeps them: measured here,
51 of 55 connections on one worker, the other core idle. Here every worker binds its own socket with
SO_REUSEPORT and the kernel spreads new connections over the workers evenly, as nginx's ``reuseport`` does.

The supervisor starts the workers, restarts one that dies, and stops them all on SIGTERM / SIGINT.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

APP = "server.app:app"
EARLY_EXIT_SECONDS = 5.0
MAX_EARLY_EXITS = 3  # a worker that dies this often, each time this soon after starting, will not start
log = logging.getLogger("permitwatch.serve")


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


# The cyclic garbage collector's young generation: a collection every 50,000 allocations instead of
# Python's 700. A request allocates thousands of short-lived objects (a filing's GraphQL input, its rows,
# its findings), almost none in cycles, so at 700 the collector ran about every other request and its
# older generations every few dozen: 0.14 ms of a filing's 2.4 ms of app CPU, 0.04 ms at 50,000 (issue
# 19, tests/benchmarks/profile_request.py, which prints the collector's share). Memory held by garbage in
# cycles waits a little longer to be freed; what the server built to serve is frozen (server.app).
GC_THRESHOLDS = (50_000, 20, 10)


def _worker(host: str, port: int, log_level: str, access_log: bool) -> None:
    import gc

    import uvicorn

    gc.set_threshold(*GC_THRESHOLDS)

    config = uvicorn.Config(APP, proxy_headers=True, log_level=log_level, access_log=access_log)
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def serve(host: str, port: int, workers: int, *, log_level: str = "info", access_log: bool = True) -> int:
    """Run ``workers`` processes until SIGTERM or SIGINT; returns the exit status."""
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s:     %(message)s")
    listening_socket(host, port).close()  # fail here, plainly, when the address is taken or invalid
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(
            target=_worker, args=(host, port, log_level, access_log), name="permitwatch"
        )
        process.start()
        return process, time.monotonic()

    running = [start() for _ in range(workers)]
    early_exits = [0] * workers  # in a row, per slot: a worker that cannot start is not retried forever
    log.info("serving on http://%s:%d with %d workers (one socket each)", host, port, workers)
    status = 0
    while not stopping:
        time.sleep(0.2)
        for index, (process, started) in enumerate(running):
            if process.is_alive() or stopping:
                continue
            early = time.monotonic() - started < EARLY_EXIT_SECONDS
            early_exits[index] = early_exits[index] + 1 if early else 0
            if early_exits[index] > MAX_EARLY_EXITS:
                log.error("worker %s exited with %s on start, again; stopping", process.pid, process.exitcode)
                stopping, status = True, 1
                break
            log.warning("worker %s exited with %s; starting another", process.pid, process.exitcode)
            running[index] = start()
    for process, _started in running:
        if process.is_alive() and process.pid is not None:
            process.terminate()  # SIGTERM: uvicorn finishes the requests under way, then exits
    deadline = time.monotonic() + 30
    for process, _started in running:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(5)
    return status
