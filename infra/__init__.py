"""CDK constructs, one per concern; `stack.py` only composes them."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER_SOURCE = ROOT / "layers" / "shared"
FUNCTIONS_SOURCE = ROOT / "functions"

# The stack reads the route table and the table models from the shared layer itself.
if str(LAYER_SOURCE / "python") not in sys.path:
    sys.path.insert(0, str(LAYER_SOURCE / "python"))
