"""Run a snippet in a fresh interpreter and see which heavy modules it pulled in."""

from __future__ import annotations

import json
import subprocess
import sys


def modules_imported_by(code: str, modules: tuple[str, ...]) -> list[str]:
    """Those of ``modules`` in ``sys.modules`` after ``code`` ran in a new Python process.

    A fresh process, because this test session has long imported Keras and friends.
    ``code`` may assert; a failure raises ``CalledProcessError`` with its stderr.
    """
    probe = f"\nimport json, sys\nprint(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", code + probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
