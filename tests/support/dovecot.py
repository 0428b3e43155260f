"""A real Dovecot IMAP server for tests: installed if missing, started on loopback with a
throwaway config and mail location, one fresh mailbox user per test.

Under CI=true a Dovecot that is missing and cannot be installed fails the run; it is never
skipped. Locally without root and without Dovecot the tests are skipped with the reason.
"""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

PASSWORD = "secret"
USERS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_dovecot() -> str:
    found = shutil.which("dovecot") or (os.path.exists("/usr/sbin/dovecot") and "/usr/sbin/dovecot")
    if found:
        return str(found)
    problem = "Dovecot is not installed"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600, check=False
        )
        done = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "dovecot-imapd"],
            env=env,
            capture_output=True,
            timeout=900,
            check=False,
        )
        if os.path.exists("/usr/sbin/dovecot"):
            return "/usr/sbin/dovecot"
        problem = f"installing dovecot-imapd failed: {done.stderr.decode(errors='replace')[-300:]}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}; the IMAP tests need a real Dovecot (scripts/test installs it)")
    pytest.skip(f"{problem} (run scripts/test as root to install it)")
    raise AssertionError  # unreachable


@dataclass
class Dovecot:
    root: Path
    port: int
    tls_port: int
    ca_file: str
    _users: Iterator[int]

    def user(self) -> str:
        """A user whose mailbox nobody has touched yet."""
        return f"user{next(self._users)}"


def _config(root: Path, port: int, tls_port: int, cert: Path, key: Path, move: bool) -> str:
    if os.geteuid() == 0:  # Dovecot will not deliver to uid 0: mailboxes belong to its own user
        entry = pwd.getpwnam("dovecot")
        uid, gid, internal, login = entry.pw_uid, entry.pw_gid, "dovecot", "dovenull"
    else:
        uid, gid = os.getuid(), os.getgid()
        internal = login = pwd.getpwuid(uid).pw_name
    capability = (
        ""
        if move
        else (
            "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT CHILDREN NAMESPACE UIDPLUS "
            "LIST-EXTENDED I18NLEVEL=1 LITERAL+\n"
        )
    )
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = rota-test-{port}
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
mail_location = maildir:{root}/home/%u/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {min(uid, 1)}
{capability}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


def start(move: bool = True) -> Iterator[Dovecot]:
    binary = ensure_dovecot()
    # Dovecot's own user must reach the files: not under pytest's private (0700) temp dirs
    root = Path(tempfile.mkdtemp(prefix="rota-dovecot-"))
    os.chmod(root, 0o755)
    for sub in ("run", "state", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "users").write_text("".join(f"user{i}:{{PLAIN}}{PASSWORD}\n" for i in range(USERS)))
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    cert.private_key_pem.write_to_path(str(root / "key.pem"))
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    port, tls_port = _free_port(), _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, tls_port, root / "cert.pem", root / "key.pem", move))
    if os.geteuid() == 0:
        shutil.chown(root / "home", "dovecot", "dovecot")
        for p in (root, root / "run", root / "state"):
            os.chmod(p, 0o755)
    # the master daemonizes and its children keep inherited pipes open: log to a file instead
    with open(root / "start.log", "wb") as out:
        done = subprocess.run(
            [binary, "-c", str(conf)],
            stdout=out,
            stderr=out,
            timeout=60,
            check=False,
            start_new_session=True,
        )
    if done.returncode != 0:
        pytest.fail(f"Dovecot did not start: {(root / 'start.log').read_text().strip()}")
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Dovecot did not answer on port {port}: {(root / 'dovecot.log').read_text()[-500:]}"
                )
            time.sleep(0.1)
    try:
        yield Dovecot(root, port, tls_port, str(root / "ca.pem"), itertools.count())
    finally:
        pid = root / "run" / "master.pid"
        if pid.exists():
            try:
                os.kill(int(pid.read_text().strip()), 15)
            except (OSError, ValueError):
                pass
