"""A throw-away Dovecot IMAP server on loopback for the polling tests: its own configuration,
maildir and passwd-file users under a temporary directory, an unprivileged port on 127.0.0.1.
The system service is never touched (nor needed)."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

BINARY = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
USERS = {"support@helpdesk.test": "support-secret", "sales@helpdesk.test": "sales-secret"}

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:{root}/home/%u/Maildir
first_valid_uid = 1
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
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
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""

# XOAUTH2/OAUTHBEARER logins: Dovecot posts the bearer token to a loopback introspection endpoint
# (the tests' pytest-httpserver) and accepts the login when it answers active with the address.
OAUTH2_CONFIG = """
introspection_mode = post
introspection_url = {introspection_url}
username_attribute = email
active_attribute = active
active_value = true
force_introspection = yes
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dovecot:
    root: Path
    port: int
    introspection_url: str = "http://127.0.0.1:9/introspect"
    pid: int = 0

    def start(self) -> None:
        # As root, mail is owned by nobody, as a packaged service would do; else by the current user.
        account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        group = account.pw_gid

        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "oauth2.conf.ext").write_text(OAUTH2_CONFIG.format(introspection_url=self.introspection_url))
        (self.root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in USERS.items()))
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                user=account.pw_name,
                group=grp.getgrgid(group).gr_name,
                uid=account.pw_uid,
                gid=group,
                port=self.port,
            )
        )
        if os.geteuid() == 0:
            os.chown(self.root / "home", account.pw_uid, group)
        # The master daemonises and would keep captured pipes open: its output goes to its log file.
        subprocess.run(
            [BINARY, "-c", str(self.root / "dovecot.conf")],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        pid_file = self.root / "run" / "master.pid"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.pid = self.pid or int(pid_file.read_text().strip())
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except (OSError, ValueError):
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen: {(self.root / 'dovecot.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if not self.pid:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def client(self, user: str = "support@helpdesk.test") -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(user, USERS[user])
        return imap

    def deliver(self, raw: bytes, *, user: str = "support@helpdesk.test", folder: str = "INBOX") -> None:
        imap = self.client(user)
        try:
            imap.append(folder, None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        finally:
            imap.logout()

    def messages(self, *, user: str = "support@helpdesk.test", folder: str = "INBOX") -> list[tuple[int, bool]]:
        """(uid, seen) of each message in the folder."""
        imap = self.client(user)
        try:
            _status, count = imap.select(f'"{folder}"', readonly=True)
            if not int(count[0] or 0):
                return []
            _status, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            rows = []
            for item in data:
                if not item:
                    continue
                text = item.decode() if isinstance(item, bytes) else item[0].decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                rows.append((uid, "\\Seen" in text))
            return sorted(rows)
        finally:
            imap.logout()

    def reset(self) -> None:
        """Empty every folder of every user (between tests)."""
        for user in USERS:
            imap = self.client(user)
            try:
                _status, folders = imap.list()
                for line in folders or []:
                    name = line.decode().rsplit(' "." ', 1)[-1].strip().strip('"')
                    _status, count = imap.select(f'"{name}"')
                    if int(count[0] or 0):
                        imap.store("1:*", "+FLAGS", "\\Deleted")
                        imap.expunge()
                    if name != "INBOX":
                        imap.close()
                        imap.delete(f'"{name}"')
            finally:
                imap.logout()
