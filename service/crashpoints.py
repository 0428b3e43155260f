"""Named points where a test can kill the process, to prove crash safety (SPEC §6).

`crash_point("send.after_data")` does nothing unless the environment variable
ROTA_CRASH_AT names that point; then the process dies at once (SIGKILL: no cleanup, no
flush), exactly as a power cut or `kill -9` would leave it.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("ROTA_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
