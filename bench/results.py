"""Writing one section of bench/RESULTS.md, leaving the others as they are."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(title: str, body: str) -> None:
    """Replace the `## title` section of bench/RESULTS.md (other sections untouched)."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    lines = text.splitlines()
    header = f"## {title}"
    if header in lines:
        start = lines.index(header)
        end = next(
            (k for k in range(start + 1, len(lines)) if lines[k].startswith("## ")), len(lines)
        )
        lines[start:end] = [header, "", *body.splitlines(), ""]
    else:
        if lines and lines[-1]:
            lines.append("")
        lines += [header, "", *body.splitlines(), ""]
    RESULTS.write_text("\n".join(lines).rstrip("\n") + "\n")


def append_to_section(title: str, body: str, intro: str = "") -> None:
    """Add `body` at the end of the `## title` section (created, with `intro`, if missing)."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    lines = text.splitlines()
    header = f"## {title}"
    if header not in lines:
        write_section(title, (intro + "\n\n" + body) if intro else body)
        return
    start = lines.index(header)
    end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("## ")), len(lines))
    section = lines[start:end]
    while section and not section[-1]:
        section.pop()
    lines[start:end] = [*section, "", *body.splitlines(), ""]
    RESULTS.write_text("\n".join(lines).rstrip("\n") + "\n")
