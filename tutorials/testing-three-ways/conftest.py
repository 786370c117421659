"""Put this folder on ``sys.path``, so that ``import app`` works from any directory."""

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
