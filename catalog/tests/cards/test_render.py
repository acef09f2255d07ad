"""Card rendering: links are normalised and validated the same way on every render (their answers
are remembered for short URLs), and the sanitiser's rules apply."""

from __future__ import annotations

from catalog.render import render_card


def test_a_link_renders_the_same_the_second_time() -> None:
    text = "[münchen](https://münchen.example/ä?q=1) and [base](https://huggingface.co/acme/Base-7B)"
    expected = ('<p><a href="https://xn--mnchen-3ya.example/%C3%A4?q=1" rel="noopener noreferrer nofollow">'
                'münchen</a> and <a href="https://huggingface.co/acme/Base-7B" rel="noopener noreferrer nofollow">'
                "base</a></p>\n")
    assert render_card(text) == expected
    assert render_card(text) == expected


def test_a_refused_link_stays_refused_the_second_time() -> None:
    for _ in range(2):
        assert render_card("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>\n"


def test_long_urls_are_normalised_too() -> None:
    url = "https://e.com/" + "ä" * 600
    html = render_card(f"[long]({url})")
    assert html == (f'<p><a href="https://e.com/{"%C3%A4" * 600}" rel="noopener noreferrer nofollow">'
                    "long</a></p>\n")
