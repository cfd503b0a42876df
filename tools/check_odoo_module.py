#!/usr/bin/env python3
"""Run OCA's module checks (oca-checks-odoo-module: manifest, XML, CSV) on this addon.

The repository root is the addon itself, and the OCA checker looks for a module's __manifest__.py only
below the repository's top directory. So the addon's files are copied into a temporary
`<tmp>/stock_quickbooks_sync/` under a directory marked as a repository top, checked there, and the
paths in the messages are given back relative to the repository root.

Used by the "oca-checks-odoo-module" hook of .pre-commit-config.yaml; arguments after the options
(the file names pre-commit passes) only decide whether there is anything to check.
"""
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
ADDON = "stock_quickbooks_sync"


def addon_files():
    """Tracked and new (not ignored) files of the working tree, as pre-commit sees the module."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return [path for path in out.split("\0") if path and os.path.isfile(os.path.join(REPO, path))]


def main(argv):
    options = [arg for arg in argv if arg.startswith("-")]
    if not [arg for arg in argv if not arg.startswith("-")]:
        return 0
    checker = shutil.which("oca-checks-odoo-module", path=os.path.dirname(sys.executable)) \
        or shutil.which("oca-checks-odoo-module")
    if not checker:
        print("oca-checks-odoo-module is not installed (pip install oca-odoo-pre-commit-hooks)")
        return 1
    with tempfile.TemporaryDirectory(prefix="%s-module-check-" % ADDON) as top:
        os.mkdir(os.path.join(top, ".git"))  # the checker's mark of a repository's top directory
        module = os.path.join(top, ADDON)
        for path in addon_files():
            target = os.path.join(module, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.join(REPO, path), target)
        proc = subprocess.run([checker] + options + [module], cwd=top, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        output = proc.stdout.replace(module + os.sep, "").replace(ADDON + os.sep, "")
    if output.strip():
        print(output.rstrip())
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
