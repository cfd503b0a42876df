"""A throwaway PostgreSQL cluster for the test harness (standard library only).

The cluster lives in a directory the caller owns (normally a temporary one),
listens on 127.0.0.1 only, on a free port, with its unix socket inside that
directory, and trades durability for speed. ``initdb`` and ``postgres`` refuse
to run as root, so as root they run as the ``postgres`` system user.
"""

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time

SERVER_USER = "postgres"  # system account that runs the server when we are root
SPEED_SETTINGS = {
    # A throwaway test cluster does not need crash safety.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
}


class PgError(RuntimeError):
    """The cluster could not be installed, created, started or stopped."""


def free_port():
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _has_server_binaries(bindir):
    return all(os.access(os.path.join(bindir, name), os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(path):
    return [int(part) for part in re.findall(r"\d+", path)]


def find_bindir():
    """Directory holding initdb/pg_ctl/postgres, or None when PostgreSQL is missing."""
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=30)
            candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    # Debian/Ubuntu keep the server binaries out of PATH, one directory per major version.
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found:
            candidates.append(os.path.dirname(os.path.realpath(found)))
    for bindir in candidates:
        if bindir and _has_server_binaries(bindir):
            return bindir
    return None


def install_postgresql(say):
    """Install Debian's PostgreSQL server with apt-get (root only); return its bindir."""
    if os.geteuid() != 0:
        raise PgError("PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found and this is not root, "
                      "so they cannot be installed: install the 'postgresql' package first")
    apt_get = shutil.which("apt-get")
    if not apt_get:
        raise PgError("PostgreSQL server binaries were not found and apt-get is not available to install them")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for args in (["update"], ["install", "-y", "postgresql"]):
        say("PostgreSQL not found: running apt-get %s" % " ".join(args))
        proc = subprocess.run([apt_get, "-q"] + args, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        if proc.returncode:
            tail = "\n".join(proc.stdout.splitlines()[-30:])
            raise PgError("apt-get %s failed (exit %d):\n%s" % (args[0], proc.returncode, tail))
    bindir = find_bindir()
    if not bindir:
        raise PgError("apt-get installed 'postgresql' but its server binaries are still not found")
    return bindir


def _ensure_server_user():
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", SERVER_USER], check=True)
        return pwd.getpwnam(SERVER_USER)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Cluster:
    """One PostgreSQL cluster under ``base_dir`` (created empty by the caller)."""

    def __init__(self, base_dir, bindir, superuser="odoo"):
        self.base_dir = base_dir
        self.bindir = bindir
        self.superuser = superuser
        self.pgdata = os.path.join(base_dir, "pgdata")
        self.socket_dir = os.path.join(base_dir, "sockets")
        self.logfile = os.path.join(base_dir, "postgres.log")
        self.port = None
        self.as_root = os.geteuid() == 0
        self._initialised = False
        self._start_attempted = False

    # -- helpers ---------------------------------------------------------------------------------------

    def _cmd(self, name, *args):
        cmd = [os.path.join(self.bindir, name)] + list(args)
        if self.as_root:
            runuser = shutil.which("runuser")
            if runuser:
                return [runuser, "-u", SERVER_USER, "--"] + cmd
            return ["su", SERVER_USER, "-s", "/bin/sh", "-c", " ".join("'%s'" % a.replace("'", "'\\''") for a in cmd)]
        return cmd

    def _run(self, name, *args, timeout=120, check=True):
        proc = subprocess.run(self._cmd(name, *args), cwd=self.base_dir, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout,
                              start_new_session=True)  # Ctrl-C reaches the harness, not the server
        if check and proc.returncode:
            raise PgError("%s failed (exit %d):\n%s" % (name, proc.returncode, proc.stdout.strip()))
        return proc

    def log_tail(self, lines=20):
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return ""

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.pgdata, "postmaster.pid")) as fh:
                return int(fh.readline().strip())
        except (OSError, ValueError):
            return None

    # -- lifecycle -------------------------------------------------------------------------------------

    def init(self):
        os.makedirs(self.socket_dir, exist_ok=True)
        if self.as_root:
            account = _ensure_server_user()
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", self.pgdata, "-U", self.superuser, "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self._initialised = True
        conf = os.path.join(self.pgdata, "postgresql.conf")
        with open(conf, "a") as fh:
            fh.write("\n# test harness settings\ninclude 'harness.conf'\n")

    def _write_settings(self, port):
        settings = dict(SPEED_SETTINGS, listen_addresses="'127.0.0.1'", port=str(port),
                        unix_socket_directories="'%s'" % self.socket_dir)
        path = os.path.join(self.pgdata, "harness.conf")
        with open(path, "w") as fh:
            fh.writelines("%s = %s\n" % item for item in settings.items())
        if self.as_root:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(path, account.pw_uid, account.pw_gid)

    def start(self, attempts=5):
        last_error = None
        for _ in range(attempts):
            port = free_port()
            self._write_settings(port)
            self._start_attempted = True
            proc = self._run("pg_ctl", "-D", self.pgdata, "-l", self.logfile, "-w", "-t", "60", "start",
                             check=False)
            if proc.returncode == 0:
                self.port = port
                return port
            last_error = "%s\n%s" % (proc.stdout.strip(), self.log_tail())
            if "already in use" not in last_error and "could not bind" not in last_error:
                break
        raise PgError("PostgreSQL did not start:\n%s" % last_error)

    def stop(self):
        """Stop the server if it runs; escalate to SIGKILL so no process is left behind."""
        if not self._initialised or not os.path.isdir(self.pgdata):
            return
        pid = self.postmaster_pid()
        if pid is None and self._start_attempted:
            # Interrupted while pg_ctl was starting: the server may still be writing its pid file.
            for _ in range(50):
                time.sleep(0.1)
                pid = self.postmaster_pid()
                if pid is not None:
                    break
        if pid is None or not _pid_alive(pid):
            return
        for mode in ("fast", "immediate"):
            try:
                self._run("pg_ctl", "-D", self.pgdata, "-m", mode, "-w", "-t", "30", "stop", check=False,
                          timeout=60)
            except subprocess.TimeoutExpired:
                pass
            if not _pid_alive(pid):
                return
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            if not _pid_alive(pid):
                return
            time.sleep(0.1)
        raise PgError("PostgreSQL server (pid %d) could not be stopped" % pid)

    def remove(self):
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def start_command(self):
        """Shell command a developer can use to start this cluster again."""
        return " ".join(self._cmd("pg_ctl", "-D", self.pgdata, "-l", self.logfile, "-w", "start"))

    def stop_command(self):
        return " ".join(self._cmd("pg_ctl", "-D", self.pgdata, "-m", "fast", "stop"))
