"""``python -m aioweb`` (the README's showcase command) runs and reports success."""

from __future__ import annotations

import subprocess
import sys


def test_self_check_passes_and_shows_the_refusals() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aioweb"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "GET /second HTTP/1.1" in result.stdout
    assert "server refuses: 400" in result.stdout
    assert "client refuses:" in result.stdout
    assert result.stdout.rstrip().endswith("all checks passed")
