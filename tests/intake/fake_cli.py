"""The zhimei command with the fake sentence encoder (subprocess tests): python -m tests.intake.fake_cli …"""

from __future__ import annotations

from tests.intake.fakes import FakeEmbedder
from zhimei.api import Zhimei
from zhimei.interfaces.cli.app import main

Zhimei._load_encoder = lambda self: FakeEmbedder()  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
