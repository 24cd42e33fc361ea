"""Links between the docs and into the code lead somewhere: a file that exists, a heading
that is there. (A page of docs/ not written yet is let through: several are written on
other branches and land with them.)"""

import re

import pytest

from tests.docs.markdown import ROOT, pages

_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(text: str) -> set[str]:
    return {_slug(heading) for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


@pytest.mark.parametrize("path", pages(), ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_reach_a_file_and_a_heading(path):
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    broken = []
    for link in _LINK.findall(text):
        if re.match(r"^[a-z]+:", link):
            continue  # http(s), mailto: not ours to check
        target_name, _, anchor = link.partition("#")
        target = (path.parent / target_name).resolve() if target_name else path
        if not target.exists():
            if not (target.suffix == ".md" and target.parent == ROOT / "docs"):
                broken.append(f"{link}: no such file")
            continue
        if anchor and target.suffix == ".md" and anchor not in _anchors(target.read_text()):
            broken.append(f"{link}: no heading #{anchor}")
    assert not broken, "\n".join(broken)
