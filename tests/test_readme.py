"""The README's "Use the engine from Python" example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_engine_example_runs(capsys) -> None:
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert code is not None
    exec(compile(code.group(1), str(README), "exec"), {})  # noqa: S102 - our own README
    accuracy = float(capsys.readouterr().out.split()[-1])
    assert accuracy > 0.9
