"""A real IMAP server for tests: Debian's Dovecot, started unprivileged on a loopback port.

``ImapServer().start()`` writes a throw-away configuration in a temporary folder (maildir
storage there, one user in a ``passwd-file`` with a plain password, no TLS, no systemd,
``mail_fsync = never``, no delay or anvil penalty after a failed login, so a test of a
wrong password does not slow the next test's login) and runs ``dovecot -F`` as a child
process. As root it runs as ``nobody``: Dovecot refuses to keep mail as root, and a test
server needs no privilege.
Mail goes in by IMAP ``APPEND`` (imapclient), as a delivery would leave it; tests get a
fresh folder each (``new_folder``) so one server serves the whole session.

``imap_server`` is the session fixture (one Dovecot per test process).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.servers import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = hotline-test-{port}
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
mail_location = maildir:{dir}/mail/%u
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={dir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  user = {user}
}}
service log {{
  user = {user}
}}
service config {{
  user = {user}
}}
service dict {{
  user = {user}
}}
"""


class ImapServer:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.username = "hotline"
        self.password = "imap-test-pw"
        self.dir = Path(tempfile.mkdtemp(prefix="hotline-imap-"))
        self._process: subprocess.Popen[bytes] | None = None

    def _account(self) -> tuple[str, str, int, int]:
        """The user Dovecot runs as: ``nobody`` when we are root, else ourselves."""
        entry = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        return entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name, entry.pw_uid, entry.pw_gid

    def start(self) -> ImapServer:
        if not os.path.exists(DOVECOT):
            raise RuntimeError("dovecot not installed: run scripts/system-packages (Debian's dovecot-imapd)")
        user, group, uid, gid = self._account()
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir()
        (self.dir / "dovecot.conf").write_text(
            CONFIG.format(dir=self.dir, port=self.port, user=user, group=group)
        )
        (self.dir / "passwd").write_text(f"{self.username}:{{PLAIN}}{self.password}\n")
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, uid, gid)
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.dir / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **({"user": uid, "group": gid, "extra_groups": []} if os.geteuid() == 0 else {}),
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                self.client().logout()
                return self
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"dovecot did not start: {self.log()}") from None
                time.sleep(0.05)

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        if (
            self._process is not None
            and self._process.stderr is not None
            and self._process.poll() is not None
        ):
            text += self._process.stderr.read().decode(errors="replace")
        return text[-2000:]

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.username, self.password)
        return client

    def new_folder(self) -> str:
        name = f"t{uuid.uuid4().hex[:12]}"
        client = self.client()
        try:
            client.create_folder(name)
        finally:
            client.logout()
        return name

    def append(self, folder: str, *messages: bytes, when: datetime | None = None) -> list[int]:
        """Put ``messages`` into ``folder`` (as delivery would); their UIDs."""
        client = self.client()
        try:
            uids = []
            for raw in messages:
                answer = client.append(folder, raw, msg_time=when)
                # "[APPENDUID <validity> <uid>] Append completed."
                uids.append(int(answer.split(b"]")[0].split()[-1]))
            return uids
        finally:
            client.logout()

    def expunge_all(self, folder: str) -> None:
        client = self.client()
        try:
            client.select_folder(folder)
            client.delete_messages(client.search(["ALL"]))
            client.expunge()
        finally:
            client.logout()


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    server = ImapServer().start()
    yield server
    server.stop()
