"""The prose readers on small fixtures written by the tests themselves."""

from __future__ import annotations

import gzip

import pytest

from scalinglaws.corpus.prose import readers

BIBLE = """Ge1:1 In the beginning God created the heaven and the earth.
Ge1:2 And the earth was without form, and void.
Ge2:1 Thus the heavens and the earth were finished.
1Sm3:4 That the LORD called Samuel: and he answered, Here am I.
"""


def test_kjv_groups_verses_by_chapter_in_order():
    chapters = readers.kjv_chapters(BIBLE, "fixture")
    assert [ref for ref, _ in chapters] == ["Ge1", "Ge2", "1Sm3"]
    assert chapters[0][1] == ("Ge 1\n\n1 In the beginning God created the heaven and the earth.\n"
                              "2 And the earth was without form, and void.")
    assert chapters[2][1].startswith("1Sm 3\n\n4 That the LORD called Samuel")


def test_kjv_refuses_a_line_that_is_not_a_verse():
    with pytest.raises(ValueError, match=r"bible out: line 2 is not a verse"):
        readers.kjv_chapters("Ge1:1 In the beginning.\nGenesis 1\n", "bible out")


FORTUNES = """Short one.
%
A banker is a fellow who lends you his umbrella when the sun is shining
and wants it back the minute it begins to rain.
		-- Mark Twain
%
The explanation requiring the fewest assumptions is the most likely to be
correct, and the longest explanation is rarely the one anybody remembers.
		-- William of Occam, more or less
%
"""


def test_fortune_cookies_split_on_percent_lines_and_drop_short_ones():
    cookies = readers.fortune_cookies(FORTUNES, min_chars=100)
    assert len(cookies) == 2
    assert cookies[0].startswith("A banker") and cookies[0].endswith("-- Mark Twain")
    assert all("%" not in c for c in cookies)
    assert len(readers.fortune_cookies(FORTUNES, min_chars=1)) == 3


def test_group_joins_consecutive_texts_up_to_the_size():
    assert readers.group(["a" * 4, "b" * 4, "c" * 4, "d" * 20], max_chars=10) == ["aaaa\n\nbbbb", "cccc", "d" * 20]
    assert readers.group([], 10) == []


JARGON = """                                The Jargon File

Chapter 1. Hacker Slang and Hacker Culture

   This document is a collection of slang terms.

Glossary

   0

   /dev/null

   :/dev/null: /dev·nuhl/, n.

   [from the Unix null device, used as a data sink] A notional ‘black hole’
   in any information space being discussed. See {bit bucket}.

   :0:

   Numeric zero, as opposed to the letter ‘O’.

   1. First sense,
   wrapped over two lines.

  A

   abbrev

   :abbrev: /@·breev'/, /@·brev'/, n.

   Common abbreviation for ‘abbreviation’.

Appendix A. Hacker Folklore

   This appendix contains folklore.
"""


def test_jargon_entries_skip_front_matter_indexes_and_appendices():
    entries = readers.jargon_entries(JARGON)
    assert entries == [
        "/dev/null: /dev·nuhl/, n.\n\n[from the Unix null device, used as a data sink] A notional ‘black hole’ "
        "in any information space being discussed. See bit bucket.",
        "0\n\nNumeric zero, as opposed to the letter ‘O’.\n\n1. First sense, wrapped over two lines.",
        "abbrev: /@·breev'/, /@·brev'/, n.\n\nCommon abbreviation for ‘abbreviation’.",
    ]


def _dictd(entries: dict[str, str]) -> tuple[str, bytes]:
    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def b64(n: int) -> str:
        out = ""
        while True:
            out = digits[n % 64] + out
            n //= 64
            if not n:
                return out

    data, index = b"", []
    for head, body in entries.items():
        raw = body.encode()
        index.append(f"{head}\t{b64(len(data))}\t{b64(len(raw))}")
        data += raw
    return "\n".join(index) + "\n", data


def test_dictd_entries_follow_the_index_and_skip_metadata():
    body = "BATH, n.  A kind of mystic ceremony substituted for religious worship,\n" + "x" * 70 + "\n\n"
    index, data = _dictd({"00databaseshort": "The Devil's Dictionary\n", "abasement": "ABASEMENT, n.  Decent.\n",
                          "bath": body})
    for blob in (data, gzip.compress(data)):  # .dict and .dict.dz
        entries = readers.dictd_entries(index, blob, "devil.index")
        assert entries == [("abasement", "ABASEMENT, n.  Decent."), ("bath", body.strip("\n"))]
    assert readers.dictd_number("BdqM", "x") == ((1 * 64 + 29) * 64 + 42) * 64 + 12


def test_dictd_errors_name_the_file_and_the_entry():
    index, data = _dictd({"abasement": "ABASEMENT, n.  Decent.\n"})
    with pytest.raises(ValueError, match=r"devil.index: entry 'abasement' ends at byte 23, past the data \(5 bytes\)"):
        readers.dictd_entries(index, data[:5], "devil.index")
    with pytest.raises(ValueError, match=r"devil.index: index line 1 has 2 tab-separated fields"):
        readers.dictd_entries("abasement\tA\n", data, "devil.index")
    with pytest.raises(ValueError, match=r"devil.index: 'A\*' is not a dictd base-64 number"):
        readers.dictd_entries("abasement\tA*\tB\n", data, "devil.index")
