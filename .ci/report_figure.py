#!/usr/bin/env python3
"""Copy the first chart of one section of a report.html into a standalone SVG file, with the
report's own stylesheet embedded so it draws the same outside the page.

Usage: report_figure.py REPORT.html SECTION_ID OUT.svg
(e.g. `report_figure.py fit-calibrated/report.html lift docs/figures/collinear_lift_tests.svg`)
Needs only the Python standard library.
"""

import sys


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    report, section, out = sys.argv[1:]
    html = open(report, encoding="utf-8").read()
    start = html.find(f'<section id="{section}">')
    if start < 0:
        print(f"{report}: no section with id {section!r}", file=sys.stderr)
        return 1
    body = html[start : html.index("</section>", start)]
    if "<svg" not in body:
        print(f"{report}: section {section!r} has no chart", file=sys.stderr)
        return 1
    svg = body[body.index("<svg") : body.index("</svg>") + len("</svg>")]
    css = html[html.index("<style>") + len("<style>") : html.index("</style>")]
    head_end = svg.index(">") + 1
    svg = (
        svg[:head_end]
        + '<style>svg{background:white;font-family:sans-serif}'
        + css
        + "</style>"
        + svg[head_end:]
    )
    with open(out, "w", encoding="utf-8") as f:
        f.write(svg + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
