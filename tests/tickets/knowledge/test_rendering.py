"""Markdown is rendered, and sanitised: nothing an article says can run script in a reader's browser."""

from __future__ import annotations

import pytest

from tickets.knowledge.rendering import render_markdown


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        pytest.param("**bold** and *it*", "<p><strong>bold</strong> and <em>it</em></p>", id="emphasis"),
        pytest.param("# Title", "<h1>Title</h1>", id="heading"),
        pytest.param("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>", id="list"),
        pytest.param(
            "[docs](https://example.com/x)",
            '<p><a href="https://example.com/x" rel="noopener nofollow">docs</a></p>',
            id="link",
        ),
        pytest.param("<script>alert(1)</script>", "", id="script-dropped"),
        pytest.param('<img src="x" onerror="alert(1)">', '<p><img src="x"></p>', id="event-handler-dropped"),
        pytest.param("[x](javascript:alert(1))", '<p><a rel="noopener nofollow">x</a></p>', id="javascript-url"),
        pytest.param('<iframe src="https://evil.example"></iframe>', "", id="iframe-dropped"),
        pytest.param("`<b>`", "<p><code>&lt;b&gt;</code></p>", id="code-escaped"),
    ],
)
def test_markdown_is_rendered_safely(markdown, html):
    assert render_markdown(markdown) == html
