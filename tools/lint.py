#!/usr/bin/env python3
"""Lint the repository: `pre-commit run --all-files` with the hooks of .pre-commit-config.yaml.

    python3 tools/lint.py [pre-commit run options, e.g. --files models/foo.py or a hook id]

The tools are the pinned "lint" optional dependencies of pyproject.toml, installed with pip into a
virtualenv of their own (never into the Python that runs Odoo), kept in the user's cache directory
and reused while the pins are unchanged. Every hook is local: pre-commit clones nothing, so the only
network access is pip's, once per set of pins.

Exit code: pre-commit's (0 = every hook passed), 1 when the tools cannot be installed, and
SKIPPED (3) when there is nothing to lint with: not a git checkout, or no way to make a virtualenv.
"""
import hashlib
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
ADDON = "stock_quickbooks_sync"
SKIPPED = 3


def lint_pins():
    """The pinned lint tools of pyproject.toml, or None when this Python cannot read it (before 3.11)."""
    try:
        import tomllib  # noqa: PLC0415
    except ImportError:
        return None
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as fh:
        return list(tomllib.load(fh)["project"]["optional-dependencies"]["lint"])


def venv_dir(pins):
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha256(("\n".join(pins) + sys.version).encode()).hexdigest()[:12]
    return os.path.join(cache, ADDON, "lint-" + key)


def ensure_tools(pins):
    """The virtualenv's bin directory with the pinned tools installed, or None (after saying why)."""
    venv = venv_dir(pins)
    bin_dir = os.path.join(venv, "bin")
    done = os.path.join(venv, "installed.txt")
    if os.path.exists(done):
        with open(done) as fh:
            if fh.read().split() == pins:
                return bin_dir
    print("lint: installing %s into %s" % (", ".join(pins), venv), flush=True)
    made = subprocess.run([sys.executable, "-m", "venv", "--clear", venv], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if made.returncode:
        print("lint: cannot create a virtualenv with %s -m venv:\n%s" % (sys.executable, made.stdout.rstrip()))
        return None
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore")
    pip = subprocess.run([os.path.join(bin_dir, "python"), "-m", "pip", "install", "-q"] + pins, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if pip.returncode:
        print("lint: pip install failed (exit %d):\n%s" % (pip.returncode, pip.stdout.rstrip()))
        return False
    with open(done, "w") as fh:
        fh.write("\n".join(pins) + "\n")
    return bin_dir


def main(argv):
    started = time.time()
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    if inside.returncode or inside.stdout.strip() != "true":
        print("lint: %s is not a git checkout (pre-commit lints the files git tracks): skipped" % REPO)
        return SKIPPED
    pins = lint_pins()
    if pins is None:
        print("lint: Python %s cannot read pyproject.toml (tomllib is 3.11+): skipped" % sys.version.split()[0])
        return SKIPPED
    bin_dir = ensure_tools(pins)
    if bin_dir is None:
        return SKIPPED
    if bin_dir is False:
        return 1
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
               VIRTUAL_ENV=os.path.dirname(bin_dir),
               PRE_COMMIT_HOME=os.path.join(os.path.dirname(bin_dir), "pre-commit-home"))
    env.pop("PYTHONPATH", None)  # the lint tools must not pick up Odoo's or the harness's modules
    cmd = [os.path.join(bin_dir, "pre-commit"), "run", "--color", "never", "--show-diff-on-failure"]
    cmd += argv if argv else ["--all-files"]
    rc = subprocess.run(cmd, cwd=REPO, env=env).returncode
    print("lint: pre-commit %s in %.0f s" % ("passed" if rc == 0 else "FAILED (exit %d)" % rc,
                                            time.time() - started))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
