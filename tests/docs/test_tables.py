"""Every Markdown table in the README and docs/ renders as the table it looks like."""

import pytest

from tests.docs.markdown import ROOT, pages, parse, source_cells


def _name(path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", pages(), ids=_name)
def test_every_row_like_line_belongs_to_a_rendered_table(path):
    """A row cut off from its table (by a blank line, or a table with no header row)
    renders as a paragraph of pipes: a stray row."""
    page = parse(path)
    stray = [
        f"{_name(path)}:{number + 1}: {line[:60]}"
        for number, line in enumerate(page.lines)
        if line.lstrip().startswith("|")
        and number not in page.table_lines and number not in page.code_lines
    ]
    assert not stray, "rows outside any table:\n" + "\n".join(stray)


@pytest.mark.parametrize("path", pages(), ids=_name)
def test_every_row_has_its_header_s_columns(path):
    """A renderer silently drops a cell too many and pads one too few: count them."""
    page = parse(path)
    wrong = []
    for table in page.tables:
        width = len(table.header)
        start = table.first_line - 1
        for number in range(start, start + len(table.rows) + 2):
            line = page.lines[number]
            if not line.strip().startswith("|") or not line.strip().endswith("|"):
                wrong.append(f"{_name(path)}:{number + 1}: not between pipes")
            elif source_cells(line) != width:
                wrong.append(f"{_name(path)}:{number + 1}: {source_cells(line)} cells, "
                             f"the header has {width}")
    assert not wrong, "\n".join(wrong)


def test_the_docs_have_tables_to_check():
    """The checks above would pass on pages nobody could parse: make sure they see some."""
    tables = [table for path in pages() for table in parse(path).tables]
    assert len(tables) >= 7
    assert all(table.rows for table in tables)
