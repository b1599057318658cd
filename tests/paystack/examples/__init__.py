"""Example Paystack webhook bodies kept with the tests (see README.md beside this file)."""
import json
from pathlib import Path

FOLDER = Path(__file__).resolve().parent


def load_example(name):
    """The example body called `name` (e.g. `charge.success.pos.json`) as a dict."""
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))
