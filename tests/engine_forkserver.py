"""Local-engine operations for the tests, forked from a warm interpreter instead of started cold.

``LocalEngine.run`` starts ``python -m pulumi_ld_auditsubs local ...`` for every operation, so the
SDK's process globals start fresh each time. About half of such a process's CPU time is importing
the engine, the SDK and gRPC (0.3 s here), and the suite runs a few hundred operations. A fork
server imports them once and forks a child per operation: the child starts with none of the SDK's
globals set (the server never runs an operation), takes the operation's environment, working
directory and command line, runs the package's ``__main__`` as ``python -m`` would, then waits for
its threads and runs the exit handlers as interpreter shutdown does. The dynamic provider is still
its own ``python -m pulumi.dynamic`` process, started by the engine as before. Pulumi 3.216 (the
floor) starts gRPC's asyncio poller thread on import; the server defers that call to each child.
Should the imports start a thread anyway, forking is unsafe and every operation starts cold.

tests/conftest.py routes ``LocalEngine``'s command through :func:`run` (``subprocess.run``'s
signature); everything else (the CLI tests, check_dist.sh, the demo) starts real processes. Set
``LD_AUDITSUBS_TESTS_COLD_ENGINE=1`` to run every operation in a fresh interpreter again.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

MODULE = "pulumi_ld_auditsubs"
IMPORT_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH", "PYTHONNOUSERSITE", "PYTHONUSERBASE")
"""What decides an interpreter's sys.path: one server per distinct value of these."""

_SERVER = r"""
import atexit, json, os, runpy, signal, socket, sys, threading, traceback
import grpc, grpc.aio, grpc.experimental.aio
# Pulumi 3.216 (the floor) calls init_grpc_aio() on import (pulumi/runtime/_callbacks.py, its
# workaround for grpc#38679), and with the grpcio it gets (1.74) that starts a poller thread; later
# SDKs call it only when they serve. Deferred to each child (which calls it before anything else),
# the warm imports start no thread and the server can fork.
init_grpc_aio = grpc.experimental.aio.init_grpc_aio
grpc.aio.init_grpc_aio = grpc.experimental.aio.init_grpc_aio = lambda: None
import pulumi_ld_auditsubs.commands.cli, pulumi_ld_auditsubs.testing.engine.runner  # the warm imports
grpc.aio.init_grpc_aio = grpc.experimental.aio.init_grpc_aio = init_grpc_aio
callbacks = sys.modules.get("pulumi.runtime._callbacks")
deferred_init = getattr(callbacks, "init_grpc_aio", init_grpc_aio) is not init_grpc_aio
channel = socket.socket(fileno=int(sys.argv[1]))
if threading.active_count() > 1:  # forking would copy a thread's locks but not the thread: decline
    channel.sendall(b"cold\n")
    sys.exit(0)
channel.sendall(b"ready\n")
base_path = sys.path[1:]  # sys.path[0] is '' for -c; python -m puts the working directory there
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
while True:
    try:
        message, fds, _, _ = socket.recv_fds(channel, 1 << 20, 3)
    except (ConnectionError, OSError):
        break
    if not message:
        break
    request = json.loads(message)
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        channel.sendall(f"{pid}\n".encode())
        continue
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out, err, status = fds
    channel.close()
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.close(out)
    os.close(err)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.path[:] = [request["cwd"], *base_path]
    sys.argv[:] = ["-m", *request["args"]]
    if deferred_init:
        init_grpc_aio()  # where the import would have called it: before the program runs
    code = 0
    try:
        runpy._run_module_as_main(request["module"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os.write(status, f"{code}\n".encode())
    os._exit(code)
"""


class _Server:
    def __init__(self, python: str, env: Mapping[str, str]) -> None:
        ours, theirs = socket.socketpair()
        self._channel = ours
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [python, "-c", _SERVER, str(theirs.fileno())],
            env=dict(env),
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.usable = self._line() == b"ready\n"
        if not self.usable:
            self.close()

    def _line(self) -> bytes:
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = self._channel.recv(64)
            if not chunk:
                break
            answer += chunk
        return answer

    def start(self, args: Sequence[str], env: Mapping[str, str], fds: list[int]) -> int:
        request = {"module": MODULE, "args": list(args), "env": dict(env), "cwd": os.getcwd()}
        with self._lock:
            socket.send_fds(self._channel, [json.dumps(request).encode()], fds)
            answer = self._line()
        if not answer:
            raise RuntimeError("the local-engine fork server stopped")
        return int(answer)

    def close(self) -> None:
        if self._channel.fileno() < 0:
            return
        self._channel.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_servers: dict[tuple[str, ...], _Server] = {}
_servers_lock = threading.Lock()


def _server(python: str, env: Mapping[str, str]) -> _Server:
    key = (python, *(env.get(name, "\0") for name in IMPORT_ENV))
    with _servers_lock:
        server = _servers.get(key)
        if server is None or (server.usable and server.process.poll() is not None):
            server = _servers[key] = _Server(python, env)
        return server


def close_all() -> None:
    """Stop every fork server (their running children finish on their own)."""
    with _servers_lock:
        for server in _servers.values():
            server.close()
        _servers.clear()


def is_engine_command(command: Sequence[str]) -> bool:
    """``[python, "-m", "pulumi_ld_auditsubs", ...]``: what ``LocalEngine`` runs."""
    return len(command) > 3 and command[1:3] == ["-m", MODULE]


def run(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float | None = None,
    capture_output: bool = True,
    text: bool = True,
    check: bool = False,
    **unexpected: Any,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(command, capture_output=True, text=True, env=env, timeout=...)``, forked."""
    assert capture_output and text and not check and not unexpected, "only LocalEngine.run's call"
    server = _server(command[0], env)
    if not server.usable:
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    status_r, status_w = os.pipe()
    try:
        pid = server.start(command[3:], env, [out_w, err_w, status_w])
    finally:
        for fd in (out_w, err_w, status_w):
            os.close(fd)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: [], status_r: []}
    deadline = None if timeout is None else time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        try:
            while selector.get_map():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(list(command), timeout or 0)
                for key, _ in selector.select(left):
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fd].append(data)
                    else:
                        selector.unregister(key.fd)
        finally:
            for fd in chunks:
                os.close(fd)
    status = b"".join(chunks[status_r]).strip()
    returncode = int(status) if status else -signal.SIGKILL  # killed before it could say
    # text=True: decoded, with universal newlines
    stdout, stderr = (
        b"".join(chunks[fd]).decode(errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        for fd in (out_r, err_r)
    )
    return subprocess.CompletedProcess(list(command), returncode, stdout, stderr)
