"""A report as a list of blocks, written out as Markdown and as one self-contained HTML page."""

from __future__ import annotations

import html
from typing import Any

Block = tuple[str, Any]     # ("h1"|"h2"|"p", text) | ("table", (columns, rows)) | ("img", (file, caption))


def to_markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for kind, value in blocks:
        if kind == "h1":
            lines += [f"# {value}", ""]
        elif kind == "h2":
            lines += [f"## {value}", ""]
        elif kind == "p":
            lines += [value, ""]
        elif kind == "img":
            lines += [f"![{value[1]}]({value[0]})", "", f"*{value[1]}*", ""]
        elif kind == "table":
            cols, rows = value
            lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            # a cell's second line (a value's interval) stays in its cell
            lines += ["| " + " | ".join(str(v).replace("\n", "<br>") for v in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def to_html(blocks: list[Block]) -> str:
    e = html.escape
    body: list[str] = []
    for kind, value in blocks:
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{e(value)}</{kind}>")
        elif kind == "p":
            text = e(value)
            while "**" in text:
                text = text.replace("**", "<b>", 1).replace("**", "</b>", 1)
            body.append(f"<p>{text}</p>")
        elif kind == "img":
            body.append(f'<figure><img src="{e(value[0])}" alt="{e(value[1])}"><figcaption>{e(value[1])}'
                        "</figcaption></figure>")
        elif kind == "table":
            cols, rows = value
            head = "".join(f"<th>{e(str(c))}</th>" for c in cols)
            cells = "".join("<tr>" + "".join(f"<td>{e(str(v)).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>" for row in rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
             "margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
             "img{max-width:100%}figcaption{font-style:italic;font-size:90%}")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>kgedit report</title>"
            f"<style>{style}</style></head><body>" + "\n".join(body) + "</body></html>\n")
