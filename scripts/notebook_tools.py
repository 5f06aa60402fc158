"""Write the tutorial notebooks from plain cell lists (stored without outputs).

Each notebook is defined in ``notebooks/src/<name>.py`` as cells separated by lines
``# %%`` (code) or ``# %% [markdown]`` (markdown, lines prefixed with ``# ``).  Run
``python scripts/notebook_tools.py`` to regenerate every ``notebooks/<name>.ipynb``;
``tests/test_notebooks.py`` checks that the stored notebooks match their sources and
executes them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"


def cells_from_source(text: str) -> list[nbformat.NotebookNode]:
    cells = []
    kind, lines = None, []

    def flush() -> None:
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(
                line[2:] if line.startswith("# ") else line.lstrip("#")
                for line in body.splitlines()
            )
            cells.append(nbformat.v4.new_markdown_cell(body))
        else:
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind = "markdown" if "[markdown]" in line else "code"
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def build(name: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells_from_source((SRC / f"{name}.py").read_text(encoding="utf-8"))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i:02d}"
    return nb


def main() -> int:
    for src in sorted(SRC.glob("*.py")):
        nb = build(src.stem)
        path = OUT / f"{src.stem}.ipynb"
        nbformat.write(nb, path)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
