"""The docs' capability table is what the adapters really declare (regenerate with this file),
and the README's links lead to files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import unified_orders as uo

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: The page holding the generated capability matrix.
MATRIX_PAGE = ROOT / "docs" / "platforms" / "index.md"
START, END = "<!-- coverage:start -->", "<!-- coverage:end -->"
COLUMNS: list[tuple[str, str, dict[str, object]]] = [
    ("Next Commerce", "nextcommerce", {}),
    ("Shopify (GraphQL)", "shopify", {"api": "graphql"}),
    ("Shopify (REST)", "shopify", {"api": "rest"}),
    ("Shopware 6", "shopware", {}),
]


def coverage_table() -> str:
    """The Markdown capability matrix, from each sandbox store's ``capabilities``."""
    stores = [uo.connect(platform, sandbox=True, **settings) for _, platform, settings in COLUMNS]
    head = "| capability | " + " | ".join(title for title, _, _ in COLUMNS) + " |"
    rule = "|---|" + "---|" * len(COLUMNS)
    rows = [
        f"| `{capability.value}` | "
        + " | ".join("yes" if capability in s.capabilities else "-" for s in stores)
        + " |"
        for capability in uo.Capability
    ]
    return "\n".join([head, rule, *rows])


def test_readme_capability_table_is_current() -> None:
    missing = [p for _, p, _ in COLUMNS if p not in uo.adapters()]
    if missing:
        pytest.skip(f"adapters not registered: {missing}")
    text = MATRIX_PAGE.read_text(encoding="utf-8")
    assert START in text, "docs/platforms/index.md lost its coverage markers"
    assert END in text, "docs/platforms/index.md lost its coverage markers"
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == coverage_table(), (
        "docs/platforms/index.md capability table is stale; paste the output of "
        '`python -c \'import sys; sys.path.insert(0, "tests/core"); '
        "import test_readme_coverage as t; print(t.coverage_table())'`"
    )


def test_readme_links_lead_to_files() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    relative = [t for t in targets if "://" not in t]
    assert relative, "the README links nowhere"
    missing = [t for t in relative if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"
