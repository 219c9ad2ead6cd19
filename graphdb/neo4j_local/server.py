"""The local Neo4j server: a real Neo4j Community 5.26 run from Maven jars, bound to 127.0.0.1.

Layout under its home folder (``<MATCHGRAPH_DATA_DIR>/neo4j`` for the demo, a temporary folder
for the test suite):

    conf/neo4j.conf     written by us on every start (ports, memory, folders)
    data/ logs/ run/    Neo4j's own folders; logs/console.log holds the server's output
    password            the generated password of user `neo4j` (mode 0600)
    matchgraph.pid      the server's pid, ours; stale files are detected and removed
    connection.json     what a client needs while the server runs (URIs, version)

The server runs in its own process session, so it outlives the command that started it;
`stop` sends SIGTERM and waits for Neo4j's clean shutdown.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import string
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from graphdb.neo4j_local.jars import NEO4J_VERSION, Neo4jSetupError, ensure_jars, java_executable

USER = "neo4j"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
# Java 17 needs these for Neo4j's Netty and page cache (the official launcher passes them too).
JVM_FLAGS = (
    "-Dfile.encoding=UTF-8",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
)


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    bolt_uri: str
    browser_url: str
    user: str
    password: str | None
    version: str
    home: str
    message: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


class LocalNeo4j:
    """Starts, stops and reports on one local Neo4j server living in ``home``."""

    def __init__(
        self,
        home: Path,
        cache_dir: Path,
        bolt_port: int = 7687,
        http_port: int = 7474,
        heap: str = "1g",
        pagecache: str = "512m",
        version: str = NEO4J_VERSION,
    ):
        self.home = Path(home).resolve()
        self.cache_dir = Path(cache_dir)
        self.bolt_port = bolt_port
        self.http_port = http_port
        self.heap = heap
        self.pagecache = pagecache
        self.version = version

    @classmethod
    def from_settings(cls, settings) -> LocalNeo4j:
        return cls(
            home=settings.data_dir / "neo4j",
            cache_dir=settings.cache_dir,
            bolt_port=settings.local_bolt_port,
            http_port=settings.local_http_port,
            heap=settings.local_heap,
            pagecache=settings.local_pagecache,
        )

    # -- paths and connection facts ---------------------------------------------------------
    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def pid_file(self) -> Path:
        return self.home / "matchgraph.pid"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def connection_file(self) -> Path:
        return self.home / "connection.json"

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"

    def password(self) -> str | None:
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            return None

    def connection(self) -> dict | None:
        """The URIs of the running server as written at start (the ports it really uses)."""
        try:
            return json.loads(self.connection_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, timeout: float = 120.0, log=print) -> ServerStatus:
        """Starts the server unless it already runs; returns once Bolt answers."""
        pid = self.running_pid()
        if pid is not None:
            self._adopt_running_ports()
            return self.status(f"already running (pid {pid})")
        java = java_executable()
        jars = ensure_jars(self.cache_dir, self.version, log=log)
        for port, variable in (
            (self.bolt_port, "MATCHGRAPH_NEO4J_BOLT_PORT"),
            (self.http_port, "MATCHGRAPH_NEO4J_HTTP_PORT"),
        ):
            if not port_is_free(port):
                raise Neo4jSetupError(f"port {port} on 127.0.0.1 is already in use; choose another with {variable}.")
        self._write_config()
        self._set_initial_password(java, jars)
        classpath = f"{jars}/*"
        command = [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            *JVM_FLAGS,
            "-cp",
            classpath,
            ENTRY_POINT,
            f"--home-dir={self.home}",
            f"--config-dir={self.conf_dir}",
            "--console-mode",
        ]
        self.console_log.parent.mkdir(parents=True, exist_ok=True)
        if self.console_log.exists():
            self.console_log.replace(self.console_log.with_suffix(".log.1"))
        log(f"Starting Neo4j {self.version} (bolt {self.bolt_uri}, data in {self.home / 'data'})…")
        with open(self.console_log, "ab") as out:
            process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.home,
                start_new_session=True,
                env=self._server_env(),
            )
        self.pid_file.write_text(str(process.pid))
        try:
            self._wait_until_ready(process, timeout)
        except Exception:
            self._terminate(process.pid, 30)
            self.pid_file.unlink(missing_ok=True)
            raise
        self.connection_file.write_text(
            json.dumps(
                {
                    "bolt_uri": self.bolt_uri,
                    "browser_url": self.browser_url,
                    "user": USER,
                    "version": self.version,
                    "pid": process.pid,
                },
                indent=2,
            )
        )
        return self.status("started")

    def stop(self, timeout: float = 60.0) -> bool:
        """Stops the server cleanly (SIGTERM, then SIGKILL after ``timeout``); False if it was not running."""
        pid = self.running_pid()
        if pid is None:
            return False
        self._terminate(pid, timeout)
        self.pid_file.unlink(missing_ok=True)
        self.connection_file.unlink(missing_ok=True)
        return True

    def status(self, message: str = "") -> ServerStatus:
        pid = self.running_pid()
        if pid is not None:
            self._adopt_running_ports()
        version = self.version
        if pid is not None:
            version = self._query_version() or version
        return ServerStatus(
            running=pid is not None,
            pid=pid,
            bolt_uri=self.bolt_uri,
            browser_url=self.browser_url,
            user=USER,
            password=self.password(),
            version=version,
            home=str(self.home),
            message=message or ("running" if pid is not None else "not running"),
        )

    def running_pid(self) -> int | None:
        """The pid of our server if it is alive; removes a stale pid file."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if _is_our_server(pid, self.home):
            return pid
        self.pid_file.unlink(missing_ok=True)  # stale: the process is gone or is something else
        self.connection_file.unlink(missing_ok=True)
        return None

    # -- internals -------------------------------------------------------------------------------
    def _adopt_running_ports(self) -> None:
        info = self.connection()
        if info:
            self.bolt_port = int(info["bolt_uri"].rsplit(":", 1)[1])
            self.http_port = int(info["browser_url"].split(":")[2].split("/")[0])

    def _server_env(self) -> dict:
        env = dict(os.environ)
        env["NEO4J_HOME"] = str(self.home)
        env["NEO4J_CONF"] = str(self.conf_dir)
        return env

    def _write_config(self) -> None:
        for folder in ("conf", "data", "logs", "run", "plugins", "import"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        settings = {
            "server.default_listen_address": "127.0.0.1",
            "server.default_advertised_address": "127.0.0.1",
            "server.bolt.listen_address": f"127.0.0.1:{self.bolt_port}",
            "server.bolt.advertised_address": f"127.0.0.1:{self.bolt_port}",
            "server.http.listen_address": f"127.0.0.1:{self.http_port}",
            "server.http.advertised_address": f"127.0.0.1:{self.http_port}",
            "server.https.enabled": "false",
            "server.bolt.tls_level": "DISABLED",
            "server.directories.data": str(self.home / "data"),
            "server.directories.logs": str(self.home / "logs"),
            "server.directories.run": str(self.home / "run"),
            "server.directories.plugins": str(self.home / "plugins"),
            "server.directories.import": str(self.home / "import"),
            "server.memory.pagecache.size": self.pagecache,
            "dbms.memory.transaction.total.max": self.heap,
            "dbms.security.auth_enabled": "true",
            "dbms.usage_report.enabled": "false",
            "db.tx_log.rotation.retention_policy": "2 files",
        }
        lines = ["# Written by matchgraph on every start; edits are overwritten."]
        lines += [f"{key}={value}" for key, value in settings.items()]
        (self.conf_dir / "neo4j.conf").write_text("\n".join(lines) + "\n")

    @property
    def pending_password_file(self) -> Path:
        """The password being set: promoted to `password_file` only once Neo4j has accepted it."""
        return self.home / "password.pending"

    def _set_initial_password(self, java: str, jars: Path) -> None:
        """Sets the generated password before the first start, resumably.

        The password is kept in `password.pending` while Neo4j's admin tool sets it, and becomes
        the password file only once the tool succeeded: a failure or a kill at any point leaves a
        state the next start completes (the same pending password is set again, or promoted when
        the tool had already written it)."""
        auth_file = self.home / "data" / "dbms" / "auth.ini"
        pending = self.pending_password_file
        if auth_file.exists():
            if self.password() is None and pending.exists():
                pending.replace(self.password_file)  # killed after the tool succeeded, before the promotion
            if self.password() is None:
                raise Neo4jSetupError(
                    f"{auth_file} exists but the password file {self.password_file} is gone; "
                    f"remove {self.home} to start over with an empty graph."
                )
            return
        password = _read_password(pending) or self.password() or new_password()
        _write_private(pending, password)
        # `--` ends the options: a password is never read as one, whatever it starts with.
        result = subprocess.run(
            [java, "-cp", f"{jars}/*", ADMIN_TOOL, "dbms", "set-initial-password", "--", password],
            capture_output=True,
            text=True,
            env=self._server_env(),
        )
        if result.returncode != 0:
            raise Neo4jSetupError(
                "could not set the initial Neo4j password (nothing was changed; `matchgraph neo4j start` "
                f"tries again):\n{(result.stdout + result.stderr)[-2000:]}"
            )
        pending.replace(self.password_file)

    def _wait_until_ready(self, process: subprocess.Popen, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        password = self.password()
        if password is None:
            raise Neo4jSetupError(f"no password in {self.password_file}: the initial password was never set")
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                raise Neo4jSetupError(
                    f"Neo4j exited during start-up (exit {code}; 3 means invalid configuration or too little memory).\n"
                    f"Last lines of {self.console_log}:\n{_tail(self.console_log)}"
                )
            try:
                with GraphDatabase.driver(self.bolt_uri, auth=(USER, password), connection_timeout=2) as driver:
                    driver.verify_connectivity()
                return
            except (ServiceUnavailable, OSError):
                time.sleep(0.5)
            except AuthError as error:
                raise Neo4jSetupError(
                    f"Neo4j refused the stored password ({error.message}); see {self.password_file}."
                ) from None
        raise Neo4jSetupError(
            f"Neo4j did not answer on {self.bolt_uri} within {timeout:.0f}s.\n{_tail(self.console_log)}"
        )

    def _query_version(self) -> str | None:
        try:
            password = self.password()
            if password is None:
                return None
            with GraphDatabase.driver(self.bolt_uri, auth=(USER, password), connection_timeout=2) as driver:
                records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions RETURN versions[0] AS v")
                return records[0]["v"]
        except Exception:
            return None

    @staticmethod
    def _terminate(pid: int, timeout: float) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.2)
        try:
            os.kill(pid, signal.SIGKILL)  # Neo4j recovers from its transaction log at the next start
        except ProcessLookupError:
            return
        while _alive(pid):
            time.sleep(0.1)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child that has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, IndexError):
        return True


def _is_our_server(pid: int, home: Path) -> bool:
    if not _alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return True  # no /proc (not Linux): trust the live pid
    return f"--home-dir={home}".encode() in cmdline


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def new_password() -> str:
    """A generated password: 24 characters of letters and digits (none an option's leading '-')."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(24))


def _read_password(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def _write_private(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` readable by the owner only, atomically (never a half-written file)."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text + "\n")
    temporary.replace(path)
