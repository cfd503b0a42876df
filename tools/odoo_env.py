"""Finding Odoo 18 and preparing its configuration, shared by ./run-tests and ./demo (standard library only).

Odoo is found either by ``import odoo`` in this Python or through ``ODOO_PATH`` (the directory
holding the ``odoo`` package and ``addons/``), which is then put on ``PYTHONPATH`` for the Odoo
processes. The addon is linked under its own name into a private addons directory, so the
repository may be cloned under any folder name.
"""
import json
import os
import subprocess
import sys

ADDON = "stock_quickbooks_sync"
ODOO_MAJOR = 18
REQUIRED_MODULES = ("stock_account", "stock_landed_costs", "purchase_stock", "sale_stock")
HOW_TO_GET_ODOO = (
    "Get Odoo 18's source (git clone --depth 1 -b 18.0 https://github.com/odoo/odoo), install its Python "
    "requirements (pip install -r odoo/requirements.txt) and either install it in this Python "
    "(pip install -e odoo) or point ODOO_PATH to that directory.")


def odoo_root_from_env():
    """(python path entry for ODOO_PATH or None, error message or None)."""
    value = os.environ.get("ODOO_PATH", "").strip()
    if not value:
        return None, None
    path = os.path.realpath(os.path.expanduser(value))
    if os.path.isfile(os.path.join(path, "odoo", "__init__.py")):
        return path, None
    if os.path.isfile(os.path.join(path, "__init__.py")) and os.path.isfile(os.path.join(path, "release.py")):
        return os.path.dirname(path), None  # pointed at the odoo package itself
    return None, "ODOO_PATH=%s does not contain Odoo's source (no odoo/__init__.py there)" % value


def child_env(odoo_root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # no stray libpq settings
    if odoo_root:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (odoo_root, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def detect_odoo(cwd):
    """Return (info dict or None, reason it is unavailable, whether that is an error rather than a skip)."""
    odoo_root, error = odoo_root_from_env()
    if error:
        return None, error, True
    code = ("import json, odoo, odoo.release as r; "
            "print(json.dumps({'path': list(odoo.__path__), 'major': r.version_info[0], 'version': r.version}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=child_env(odoo_root),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode:
        lines = proc.stderr.strip().splitlines() or ["exit code %d" % proc.returncode]
        why = lines[-1].split(": ", 1)[-1] if lines[-1].startswith(("ModuleNotFoundError", "ImportError")) \
            else lines[-1]
        if odoo_root:
            return None, "ODOO_PATH=%s is set but `import odoo` failed there (%s)" % (
                os.environ["ODOO_PATH"], why), True
        return None, "`import odoo` failed (%s) and ODOO_PATH is not set" % why, False
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    if info["major"] != ODOO_MAJOR:
        where = "ODOO_PATH=%s" % os.environ["ODOO_PATH"] if odoo_root else "`import odoo`"
        return None, "%s gives Odoo %s, not %d.0" % (where, info["version"], ODOO_MAJOR), bool(odoo_root)
    package = info["path"][0]
    paths = [os.path.join(os.path.dirname(package), "addons"), os.path.join(package, "addons")]
    info["addons_paths"] = [p for p in paths if os.path.isdir(p)]
    info["root"] = odoo_root
    return info, None, False


def missing_modules(info, names=REQUIRED_MODULES):
    """Modules of ``names`` that Odoo's addons path lacks."""
    return [name for name in names
            if not any(os.path.isfile(os.path.join(p, name, "__manifest__.py")) for p in info["addons_paths"])]


def write_config(work_dir, repo, info, db_port, options=()):
    """Link the checkout as the addon under ``work_dir`` and write ``work_dir``/odoo.conf; returns its path.

    :param options: extra (key, value) lines of the [options] section
    """
    addons_dir = os.path.join(work_dir, "addons")
    os.makedirs(addons_dir, exist_ok=True)
    link = os.path.join(addons_dir, ADDON)
    if not os.path.lexists(link):
        os.symlink(repo, link)
    config = os.path.join(work_dir, "odoo.conf")
    with open(config, "w") as fh:
        fh.write("[options]\n")
        fh.write("addons_path = %s\n" % ",".join([addons_dir] + info["addons_paths"]))
        fh.write("data_dir = %s\n" % os.path.join(work_dir, "odoo-data"))
        fh.write("db_host = 127.0.0.1\ndb_port = %d\ndb_user = odoo\n" % db_port)
        fh.write("http_interface = 127.0.0.1\n")
        for key, value in options:
            fh.write("%s = %s\n" % (key, value))
    return config
