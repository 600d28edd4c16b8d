"""Servers run as subprocesses for a test (gunicorn, nginx, Caddy): a free loopback port, the
command, a wait until the server answers (failing at once, with its log, if it exits first), and
its stop at the end. What each test gives its server (environment, config files, proxies) stays
in the test."""
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from .mailserver import free_port
from .needs import ROOT

__all__ = ["free_port", "gunicorn_command", "running", "stop", "wait_until"]


def gunicorn_command(*options, config="gunicorn.conf.py") -> list[str]:
    """gunicorn as the systemd unit starts it (``wsgi:app`` with a config file), plus ``options``."""
    return [sys.executable, "-m", "gunicorn", "-c", str(config), *options, "wsgi:app"]


def _tail(log, size: int = 6000) -> str:
    if log is None or not Path(log).exists():
        return ""
    return "\n" + Path(log).read_text(errors="replace")[-size:]


def wait_until(check, what, process, *, seconds: float = 30, pause: float = 0.1, log=None):
    """Call ``check()`` until it is true; a connection error counts as not yet. Fails if
    ``process`` exits first, or after ``seconds``, with the end of ``log``."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}:{_tail(log)}")
        try:
            if check():
                return
        except (OSError, httpx.TransportError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not answer within {seconds} s:{_tail(log)}")
        time.sleep(pause)


def stop(process, seconds: float = 10):
    """SIGTERM, then SIGKILL if the process is still there after ``seconds``."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running(command, what, ready, *, log, env=None, cwd=ROOT, seconds: float = 30, pause: float = 0.1,
            stop_within: float = 10):
    """Start ``command`` (stdout and stderr into the file ``log``), wait until ``ready()`` is
    true (see ``wait_until``), yield the process; stop it at the end (see ``stop``)."""
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(ready, what, process, seconds=seconds, pause=pause, log=log)
        yield process
    finally:
        stop(process, stop_within)
