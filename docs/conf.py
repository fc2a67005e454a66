"""Sphinx configuration: Markdown pages (MyST), built offline with warnings as errors.

Build: ``sphinx-build -W --keep-going -q -b html docs docs/_build/html`` (CI runs it).
"""

project = "unified-orders"
author = "unified-orders contributors"
copyright = "unified-orders contributors"

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_tools"]

# Pages link to each other's sections as ``page.md#heading-slug``.
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]

html_theme = "alabaster"
html_title = "unified-orders"
html_theme_options = {
    "description": "One interface for post-purchase order work",
    "fixed_sidebar": True,
}
