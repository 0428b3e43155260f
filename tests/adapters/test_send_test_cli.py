"""`rota send-test` against a real SMTP server, and what it says when sending fails."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.adapters.test_smtp import server_ctx
from tests.support.configs import P, Program
from tests.support.smtp_server import Authenticator, Recorder, start_smtp

ROTA = str(Path(sys.executable).parent / "rota")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Recorder, int, str]]:
    """A STARTTLS + AUTH server in its own thread (the CLI runs its own event loop)."""
    ca = trustme.CA()
    ca_file = str(tmp_path / "ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    rec = Recorder()
    ready = threading.Event()
    box: dict[str, object] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        srv, port = loop.run_until_complete(
            start_smtp(
                rec,
                starttls=server_ctx(ca),
                require_starttls=True,
                auth=Authenticator("rota", "pw"),
            )
        )
        box.update(port=port, loop=loop, srv=srv)
        ready.set()
        loop.run_forever()

    threading.Thread(target=serve, daemon=True).start()
    ready.wait(10)
    yield rec, int(box["port"]), ca_file  # type: ignore[call-overload]
    loop = box["loop"]
    loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]


def config(tmp_path: Path, port: int, ca_file: str) -> Path:
    extra = f'''
[mail]
transport = "imap-smtp"
smtp = {{ host = "localhost", port = {port}, security = "starttls", username = "rota", password_env = "T_SMTP_PW", ca_file = "{ca_file}" }}
imap = {{ host = "localhost", port = 1, security = "tls", username = "rota", password_env = "T_IMAP_PW" }}
'''
    prog = Program(
        people=[P("ben@example.org", "America/New_York"), P("ana@example.org", "Europe/Lisbon")],
        pairs=[("ben@example.org", "ana@example.org")],
        extra=extra,
    )
    return prog.write(tmp_path)


def run(path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROTA, "send-test", "-c", str(path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_send_test_delivers_and_says_how(tmp_path: Path, server: tuple[Recorder, int, str]) -> None:
    rec, port, ca_file = server
    path = config(tmp_path, port, ca_file)
    done = run(path, "--to", "admin@example.org", env={"T_SMTP_PW": "pw", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"sent a test email to admin@example.org through SMTP localhost:{port} (STARTTLS)"
    )
    assert len(rec.accepted) == 1 and rec.accepted[0].rcpt_tos == ["admin@example.org"]


def test_send_test_names_what_failed(tmp_path: Path, server: tuple[Recorder, int, str]) -> None:
    rec, port, ca_file = server
    path = config(tmp_path, port, ca_file)
    wrong = run(path, "--to", "admin@example.org", env={"T_SMTP_PW": "nope"})
    assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1
    assert "login" in wrong.stderr and "refused" in wrong.stderr and "Traceback" not in wrong.stderr
    unset = run(path, "--to", "admin@example.org", env={})
    assert unset.returncode == 2 and "T_SMTP_PW" in unset.stderr
    down = run(config(tmp_path, 1, ca_file), "--to", "admin@example.org", env={"T_SMTP_PW": "pw"})
    assert down.returncode == 1 and "cannot connect to localhost:1" in down.stderr
    assert rec.accepted == []
