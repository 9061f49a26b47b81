"""The docs describe every hook with its real arguments."""

from __future__ import annotations

import re

from support import ROOT
from tabular_engine.plugins import create_plugin_manager


def test_every_hook_is_documented_with_its_arguments():
    text = (ROOT / "docs" / "plugins.md").read_text()
    documented = dict(re.findall(r"^### (\w+)\(([^)]*)\)", text, flags=re.MULTILINE))
    manager = create_plugin_manager()
    for name, caller in vars(manager.hook).items():
        if caller.spec is None:
            continue
        assert name in documented, f"docs/plugins.md has no section for hook {name}"
        arguments = [a.strip() for a in documented[name].split(",") if a.strip()]
        assert arguments == list(caller.spec.argnames), name
