#!/usr/bin/env python3
"""Open a report.html in headless Chromium and check that it renders.

Checks, at a 1280 px wide window and again as printed on A4 paper:
  - every <svg> has a non-zero bounding box and at least one drawn shape with a non-empty box;
  - nothing is wider than the window (document scrollWidth <= window width);
  - the page asks for nothing over the network and logs no errors.
Optionally saves a full-page screenshot.

Usage: report_check.py REPORT.html [--screenshot OUT.png [--screenshot-height PX]]
Needs: pip install playwright; Chromium at /usr/bin/chromium (or --chromium PATH).
"""

import argparse
import pathlib
import sys

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREEN = {"width": 1280, "height": 900}
# A4 is 210 mm wide; the report's print margins are 14 mm each side; 96 px per inch.
A4_CONTENT_PX = int((210 - 2 * 14) / 25.4 * 96)

SVG_PROBLEMS_JS = """
() => {
  const problems = [];
  const svgs = Array.from(document.querySelectorAll('svg'));
  svgs.forEach((svg, i) => {
    const label = svg.getAttribute('aria-label') || ('svg #' + i);
    const box = svg.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) {
      problems.push(label + ': empty bounding box ' + box.width + 'x' + box.height);
      return;
    }
    const shapes = Array.from(svg.querySelectorAll('path, rect, circle, line, polygon, polyline'));
    const drawn = shapes.filter(s => { const b = s.getBBox(); return b.width > 0 || b.height > 0; });
    if (drawn.length === 0) {
      problems.push(label + ': no drawn shapes (' + shapes.length + ' empty)');
    }
  });
  return {count: svgs.length, problems};
}
"""

WIDTH_JS = "() => ({scroll: document.documentElement.scrollWidth, window: window.innerWidth})"


def check(page, what):
    failures = []
    svgs = page.evaluate(SVG_PROBLEMS_JS)
    if svgs["count"] == 0:
        failures.append(f"{what}: the page has no charts")
    failures += [f"{what}: {p}" for p in svgs["problems"]]
    width = page.evaluate(WIDTH_JS)
    if width["scroll"] > width["window"]:
        failures.append(
            f"{what}: content is {width['scroll']} px wide, wider than the {width['window']} px window"
        )
    return svgs["count"], failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=pathlib.Path)
    parser.add_argument("--screenshot", type=pathlib.Path)
    parser.add_argument(
        "--screenshot-height",
        type=int,
        default=0,
        help="crop the screenshot to this many pixels from the top (default: the whole page)",
    )
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if not args.report.is_file():
        print(f"report check FAILED: {args.report} does not exist", file=sys.stderr)
        return 1
    url = args.report.resolve().as_uri()

    failures = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=SCREEN)
        page.on(
            "request",
            lambda r: r.url.startswith(("file:", "data:", "about:"))
            or failures.append(f"network request to {r.url}"),
        )
        page.on("pageerror", lambda e: failures.append(f"page error: {e}"))
        page.on(
            "console",
            lambda m: m.type == "error" and failures.append(f"console error: {m.text}"),
        )
        page.goto(url, wait_until="load")
        count, found = check(page, "screen 1280 px")
        failures += found
        if args.screenshot:
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            if args.screenshot_height > 0:
                clip = {"x": 0, "y": 0, "width": SCREEN["width"], "height": args.screenshot_height}
                page.screenshot(path=str(args.screenshot), full_page=True, clip=clip)
            else:
                page.screenshot(path=str(args.screenshot), full_page=True)

        page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1100})
        page.emulate_media(media="print")
        _, found = check(page, f"print A4 ({A4_CONTENT_PX} px)")
        failures += found
        browser.close()

    if failures:
        print(f"report check FAILED for {args.report}:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 1
    print(f"report check passed: {count} charts rendered, no overflow at 1280 px or on A4")
    return 0


if __name__ == "__main__":
    sys.exit(main())
