"""Test-suite settings.

Under CI (``CI=true``) hypothesis runs derandomized, so a CI verdict is reproducible: the same
commit draws the same examples. Locally it explores new random examples on every run.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
