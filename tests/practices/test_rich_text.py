"""Markdown is rendered, and everything that could run script or load content is removed:
the corpus covers script tags, javascript: and data: URLs, event handler attributes, SVG and
MathML payloads, styles, iframes, forms, and obfuscated spellings."""

import re

import pytest

from maillage.practices.rich_text import markdown_render

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](  javascript:alert(1))",
    "[clic](java&#x09;script:alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "[clic](vbscript:msgbox(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">clic</a>',
    '<a href=" javascript:alert(1)">clic</a>',
    "![image](javascript:alert(1))",
    '<img src="x" onerror="alert(1)">',
    '<p onclick="alert(1)">texte</p>',
    '<div onmouseover="alert(1)">texte</div>',
    '<strong onfocus="alert(1)" tabindex="0">texte</strong>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<svg><animate onbegin="alert(1)" attributeName="x"/></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>"
    "</table></mtext></math>",
    '<iframe src="https://x.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<form action="https://x.example"><input name="p"><button>ok</button></form>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<p style="background:url(javascript:alert(1))">texte</p>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="https://x.example/x.css">',
    '<details open ontoggle="alert(1)">x</details>',
    '<body onload="alert(1)">',
    '<input autofocus onfocus="alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    '<a href="#" onclick="alert(1)">clic</a>',
    "<!--<img src=x onerror=alert(1)>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '"><script>alert(1)</script>',
]

# What no rendered text may contain, whatever was typed.
FORBIDDEN = [
    re.compile(r"<\s*script", re.I),
    re.compile(r"<\s*(svg|math|iframe|object|embed|form|input|style|meta|base|link|img)\b", re.I),
    re.compile(r"<\s*(video|source|details|body|noscript|textarea|button)\b", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"(href|src|action|xlink:href)\s*=\s*[\"']?\s*(javascript|vbscript|data):", re.I),
    re.compile(r"\sstyle\s*=", re.I),
]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_payload_is_defused(payload):
    html = markdown_render(f"Avant\n\n{payload}\n\nAprès")
    for pattern in FORBIDDEN:
        assert not pattern.search(html), (payload, html)
    # The text around the payload is kept.
    assert "<p>Avant</p>" in html
    assert "Après" in html


def test_markdown_is_rendered():
    html = markdown_render(
        "# Titre\n\n**gras** et *italique*\n\n- un\n- deux\n\n"
        "[site](https://www.exemple.fr) · [écrire](mailto:a@exemple.fr)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |"
    )
    # Under the page's h1 and the section's h2.
    assert "<h3>Titre</h3>" in html
    assert "<strong>gras</strong>" in html and "<em>italique</em>" in html
    assert "<li>un</li>" in html
    assert '<a href="https://www.exemple.fr" rel="nofollow noopener noreferrer">site</a>' in html
    assert 'href="mailto:a@exemple.fr"' in html
    assert "<td>1</td>" in html


def test_safe_html_typed_in_markdown_is_kept_and_empty_is_empty():
    assert markdown_render("Le 1<sup>er</sup> atelier") == "<p>Le 1<sup>er</sup> atelier</p>"
    assert markdown_render("   \n") == ""
