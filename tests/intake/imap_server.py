"""A private Dovecot IMAP server for the e-mail intake tests: on a free loopback port, with a
throwaway configuration, users and maildirs in a temp directory, its own base_dir and
state_dir, so it never touches the machine's Dovecot (started the way tests/faults/servers.py
starts private Redis and PostgreSQL).

Messages are delivered the way a mail server's delivery agent leaves them for the poller:
real MIME bytes through IMAP APPEND, with the arrival time (INTERNALDATE) given.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.servers import free_port, port_answers, wait_for

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "imap-test-secret"

CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
instance_name = opsdesk-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {base}/dovecot.log
mail_location = maildir:{base}/mail/%u
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
mail_uid = {internal_user}
mail_gid = {internal_group}
first_valid_uid = 1
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={internal_user} gid={internal_group} home={base}/home/%u
}}
service imap-login {{
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
}}
service imap-login {{
  chroot =
}}
"""


def dovecot_required() -> None:
    """Fail (where CI demands it) or skip when Dovecot is not installed."""
    if Path(DOVECOT).exists():
        return
    message = "Dovecot is required here: scripts/check-system --browser installs dovecot-imapd."
    if os.environ.get("OPSDESK_REQUIRE_BROWSER") or os.environ.get("OPSDESK_REQUIRE_IMAP"):
        pytest.fail(message)
    pytest.skip("Dovecot is not installed (scripts/check-system --browser installs it).")


class DovecotServer:
    """Dovecot on 127.0.0.1:<port> with users given at start; plain-text login on loopback."""

    def __init__(self, workdir: Path, users: list[str]) -> None:
        self.workdir = workdir
        self.users = users
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def config_path(self) -> Path:
        return self.workdir / "dovecot.conf"

    def start(self) -> DovecotServer:
        accounts = _unprivileged_users(pwd.getpwuid(os.getuid()))
        mail_owner = pwd.getpwnam(accounts["internal_user"])
        for sub in ("run", "state", "mail", "home"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("mail", "home"):
            os.chown(self.workdir / sub, mail_owner.pw_uid, mail_owner.pw_gid)
        users = self.workdir / "users"
        users.write_text("".join(f"{user}:{{PLAIN}}{PASSWORD}\n" for user in self.users))
        # Dovecot's auth process runs as the unprivileged `dovecot` user and reads the users
        # file; the temp directory is private (0700) by default. A throwaway test password.
        self.workdir.chmod(0o711)
        users.chmod(0o644)
        self.config_path.write_text(
            CONFIG.format(
                base=self.workdir,
                port=self.port,
                **accounts,
            )
        )
        # -F: stay in the foreground, so the fixture owns the process and stops it.
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "dovecot.stderr").open("w"),
        )
        try:
            wait_for(lambda: self._answers(), timeout=20, what=f"Dovecot on port {self.port}")
        except AssertionError:
            self.stop()
            raise AssertionError(self.diagnostics()) from None
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(self.diagnostics())
        return port_answers(self.port)

    def diagnostics(self) -> str:
        parts = []
        for name in ("dovecot.stderr", "dovecot.log"):
            path = self.workdir / name
            if path.exists():
                parts.append(f"{name}:\n{path.read_text()[-3000:]}")
        return "Dovecot did not start.\n" + "\n".join(parts)

    def connect(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(user, PASSWORD)
        return client

    def deliver(self, user: str, raw: bytes, *, arrived: dt.datetime | None = None) -> None:
        """APPEND the message to the user's INBOX, unseen, arrived at `arrived` (default now)."""
        client = self.connect(user)
        try:
            when = imaplib.Time2Internaldate((arrived or dt.datetime.now(dt.UTC)).timestamp())
            status, answer = client.append("INBOX", "", when, raw)
            assert status == "OK", answer
        finally:
            client.logout()

    def flags(self, user: str) -> list[bytes]:
        """Every message's FLAGS in the user's INBOX, in UID order."""
        client = self.connect(user)
        try:
            client.select("INBOX", readonly=True)
            _status, data = client.uid("FETCH", "1:*", "(FLAGS)")
            return [item for item in data if item]
        finally:
            client.logout()

    def empty(self, user: str) -> None:
        """Delete every message of the user's INBOX (between tests)."""
        client = self.connect(user)
        try:
            client.select("INBOX")
            client.store("1:*", "+FLAGS", r"(\Deleted)")
            client.expunge()
        except imaplib.IMAP4.error:
            pass  # an empty mailbox has no "1:*"
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while port_answers(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)


def _unprivileged_users(account) -> dict[str, str]:
    """Dovecot refuses to run its login and mail processes as root: as root, use the
    accounts the Debian package creates (dovenull, dovecot); as anyone else, that user."""
    if account.pw_uid != 0:
        group = _group_name(account.pw_gid)
        return {
            "login_user": account.pw_name,
            "internal_user": account.pw_name,
            "internal_group": group,
        }
    internal = pwd.getpwnam("dovecot")
    return {
        "login_user": "dovenull",
        "internal_user": "dovecot",
        "internal_group": _group_name(internal.pw_gid),
    }


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
