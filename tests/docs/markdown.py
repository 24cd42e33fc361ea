"""The docs as a Markdown renderer sees them: the pages, and each page's tables parsed by
markdown-it (GitHub's table rules), with the source lines they came from."""

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
_PARSER = MarkdownIt("commonmark").enable("table")
# A cell boundary: a pipe not escaped by a backslash (GFM splits on it even in code spans).
_PIPE = re.compile(r"(?<!\\)\|")


def pages() -> list[Path]:
    """Every Markdown page of the project's docs: the README, the changelog, docs/."""
    found = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    changelog = ROOT / "CHANGELOG.md"
    return [*found, changelog] if changelog.exists() else found


@dataclass
class Table:
    page: Path
    first_line: int  # 1-based, the header row
    header: list[str]
    rows: list[list[str]]  # each as the renderer's cells, source text of each

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self.rows]


@dataclass
class Page:
    path: Path
    lines: list[str]
    tables: list[Table]
    table_lines: set[int]  # 0-based lines the renderer took as table rows
    code_lines: set[int]  # 0-based lines inside code blocks


def parse(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    tokens = _PARSER.parse(text)
    tables: list[Table] = []
    table_lines: set[int] = set()
    code_lines: set[int] = set()
    for index, token in enumerate(tokens):
        if token.type in ("fence", "code_block", "html_block") and token.map:
            code_lines.update(range(*token.map))
        if token.type != "table_open":
            continue
        assert token.map is not None
        table_lines.update(range(*token.map))
        header: list[str] = []
        rows: list[list[str]] = []
        in_head = False
        for inner in tokens[index + 1:]:
            if inner.type == "table_close":
                break
            if inner.type == "thead_open":
                in_head = True
            elif inner.type == "thead_close":
                in_head = False
            elif inner.type == "tr_open" and not in_head:
                rows.append([])
            elif inner.type == "inline":
                (header if in_head else rows[-1]).append(inner.content)
        tables.append(Table(path, token.map[0] + 1, header, rows))
    return Page(path, text.splitlines(), tables, table_lines, code_lines)


def source_cells(line: str) -> int:
    """How many cells a row's source holds, between its outer pipes."""
    return len(_PIPE.split(line.strip())) - 2


def table_with(header: list[str], path: Path) -> Table:
    """The one table of `path` with this header."""
    found = [table for table in parse(path).tables if table.header == header]
    assert len(found) == 1, f"{path.name}: {len(found)} tables headed {header}, expected one"
    return found[0]
