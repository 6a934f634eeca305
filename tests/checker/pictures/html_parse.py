"""Read back the pictures' HTML with the standard library's parser."""

from __future__ import annotations

from html.parser import HTMLParser


class Elements(HTMLParser):
    """Every start tag with its attributes, in order, and the page's text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def with_class(self, tag: str, word: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and word in a.get("class", "").split()]

    def external_references(self) -> list[str]:
        """src/href attributes that would reach the network."""
        return [
            v for _, a in self.tags for k, v in a.items()
            if k in ("src", "href") and not v.startswith("#")
        ]  # fmt: skip
