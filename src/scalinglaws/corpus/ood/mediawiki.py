"""A streaming reader for MediaWiki XML dumps (``pages-articles*.xml[.bz2]``) and a wikitext-to-text
converter. Works on the full enwiki dump: pages are parsed one at a time and freed.
"""

from __future__ import annotations

import bz2
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

_DROP_TAGS = {"ref", "references", "gallery", "table", "math", "timeline", "imagemap", "score"}
_MEDIA_LINK = re.compile(r"^(?:file|image|category|media):", re.I)
_LEFTOVER = re.compile(r"^\s*(?:thumb\|.*|\|.*|\{\|.*|!.*|\|\}.*)$", re.M)


@dataclass(frozen=True)
class Page:
    """One page of a dump (its latest revision)."""

    id: str
    title: str
    ns: int
    redirect: bool
    text: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def iter_pages(source: str | Path | IO[bytes]) -> Iterator[Page]:
    """Yield every page of a dump (path to .xml or .xml.bz2, or an open binary file), streaming."""
    if isinstance(source, (str, Path)):
        opener = bz2.open if str(source).endswith(".bz2") else open
        with opener(source, "rb") as fh:
            yield from iter_pages(fh)
        return
    context = ET.iterparse(source, events=("start", "end"))
    _, root = next(context)
    if _local(root.tag) != "mediawiki":
        raise ValueError(f"not a MediaWiki XML dump: root element is <{_local(root.tag)}>")
    for event, elem in context:
        if event != "end" or _local(elem.tag) != "page":
            continue
        fields = {_local(c.tag): c for c in elem}
        revision = {_local(c.tag): c for c in fields.get("revision", [])}
        text = revision["text"].text if "text" in revision else ""
        if "title" not in fields or "ns" not in fields:
            raise ValueError(f"MediaWiki page without <title> or <ns> (id {fields.get('id')})")
        yield Page(
            id=(fields["id"].text or "") if "id" in fields else "",
            title=fields["title"].text or "",
            ns=int(fields["ns"].text),
            redirect="redirect" in fields,
            text=text or "",
        )
        root.clear()  # free the pages already read


def articles(source: str | Path | IO[bytes]) -> Iterator[Page]:
    """Main-namespace pages that are not redirects: the encyclopedia articles."""
    return (p for p in iter_pages(source) if p.ns == 0 and not p.redirect
            and not p.text.lstrip().lower().startswith("#redirect"))


def to_plain_text(wikitext: str) -> str:
    """Readable text of an article: templates, references, tables, media links and markup removed."""
    import mwparserfromhell
    from mwparserfromhell.nodes import Tag, Template, Wikilink
    from mwparserfromhell.wikicode import Wikicode

    def keep(node) -> bool:
        if isinstance(node, Template):
            return False
        if isinstance(node, Tag):
            return str(node.tag).lower() not in _DROP_TAGS
        if isinstance(node, Wikilink):
            return not _MEDIA_LINK.match(str(node.title).strip())
        return True

    # rebuilding the top-level node list is linear; Wikicode.remove() searches the tree each time
    code = Wikicode([n for n in mwparserfromhell.parse(wikitext).nodes if keep(n)])
    text = code.strip_code(normalize=True, collapse=True)
    text = "\n".join(line.strip() for line in _LEFTOVER.sub("", text).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
