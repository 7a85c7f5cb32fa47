"""Byte-level BPE: train it with `tokenizers`, encode with `tiktoken` built from the same vocabulary.

The trainer is GPT-2's recipe (byte-level alphabet, GPT-2 pre-tokenizer regex, no prefix space) with
``<|endoftext|>`` appended last, so its id is ``vocab_size - 1`` as in GPT-2. Token ids are the
256 base bytes first and then the merges in the order they were learnt, which is exactly tiktoken's
rank order: a tiktoken ``Encoding`` made from the vocabulary gives the same ids several times faster.
Where tiktoken is missing, the `tokenizers` model itself encodes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Iterable

from scalinglaws.io import atomic_path, file_sha256

EOT = "<|endoftext|>"
GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def train_bpe(texts: Iterable[str], vocab_size: int, out: str | os.PathLike, length: int | None = None) -> None:
    """Train a byte-level BPE of ``vocab_size`` tokens (``<|endoftext|>`` included) and save it atomically."""
    from tokenizers import ByteLevelBPETokenizer

    if vocab_size < 257:
        raise ValueError(f"--vocab-size {vocab_size} is too small: 256 byte tokens and {EOT} need 257")
    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator(texts, vocab_size=vocab_size - 1, min_frequency=2, special_tokens=[], length=length)
    tok.add_special_tokens([EOT])
    got = tok.get_vocab_size()
    if got < vocab_size:  # the corpus had fewer pairs seen twice than merges asked for
        print(f"warning: {out}: asked for {vocab_size} tokens, the training text supports only {got}", file=sys.stderr)
    with atomic_path(out) as tmp:
        tok.save(str(tmp))


def _byte_decoder() -> dict[str, int]:
    """GPT-2's map from the printable stand-in characters of byte-level BPE back to bytes."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs, n = bs[:], 0
    for b in range(256):  # unprintable bytes map to U+0100 onwards, in byte order
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def _read_spec(path: Path) -> tuple[dict[str, int], int]:
    """The BPE vocabulary (token string -> id) and the end-of-text id, checked to be our byte-level shape."""
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: cannot read tokenizer JSON ({e})") from None
    model, pre = spec.get("model") or {}, spec.get("pre_tokenizer") or {}
    byte_level = pre.get("type") == "ByteLevel" and not pre.get("add_prefix_space") and pre.get("use_regex", True)
    if model.get("type") != "BPE" or not byte_level:
        raise ValueError(f"{path}: not a byte-level BPE without prefix space (train it with `train-bpe`)")
    if spec.get("normalizer") is not None:
        raise ValueError(f"{path}: has a normalizer, so encoding would not be reversible")
    specials = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
    if EOT not in specials:
        raise ValueError(f"{path}: has no {EOT} token")
    return model["vocab"], specials[EOT]


class BPE:
    """A trained byte-level BPE: ``encode``, ``encode_batch``, ``decode``, ``vocab_size``, ``eot_id``.

    ``backend`` is ``"tiktoken"`` or ``"tokenizers"``; both give identical ids. Text is always encoded
    as ordinary text: a literal ``<|endoftext|>`` in a document never becomes the EOT id.
    """

    def __init__(self, path: str | os.PathLike, backend: str = "auto"):
        self.path = Path(path)
        vocab, self.eot_id = _read_spec(self.path)
        self.vocab_size = max(len(vocab), self.eot_id) + 1
        self.sha256 = file_sha256(self.path)
        if backend == "auto":
            try:
                import tiktoken  # noqa: F401
                backend = "tiktoken"
            except ImportError:
                backend = "tokenizers"
        if backend == "tiktoken":
            self._enc = self._tiktoken(vocab)
        elif backend == "tokenizers":
            from tokenizers import Tokenizer

            self._enc = Tokenizer.from_file(str(self.path))
            self._enc.encode_special_tokens = True  # a literal <|endoftext|> in text stays text
        else:
            raise ValueError(f"unknown tokenizer backend {backend!r} (tiktoken, tokenizers or auto)")
        self.backend = backend

    def _tiktoken(self, vocab: dict[str, int]):
        import tiktoken

        u2b = _byte_decoder()
        try:
            ranks = {bytes(u2b[c] for c in tok): i for tok, i in vocab.items()}
        except KeyError as e:
            raise ValueError(f"{self.path}: token with a character outside the byte-level alphabet: {e}") from None
        if len(ranks) != len(vocab) or any(bytes([b]) not in ranks for b in range(256)):
            raise ValueError(f"{self.path}: the vocabulary does not hold each of the 256 bytes exactly once")
        name = f"scalinglaws-{self.sha256[:12]}"
        return tiktoken.Encoding(name=name, pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                                 special_tokens={EOT: self.eot_id})

    def encode(self, text: str) -> list[int]:
        if self.backend == "tiktoken":
            return self._enc.encode_ordinary(text)
        return self._enc.encode(text, add_special_tokens=False).ids

    def encode_batch(self, texts: list[str], num_threads: int = 2) -> list[list[int]]:
        """Encode several documents, in parallel where the backend can."""
        if self.backend == "tiktoken":
            return self._enc.encode_ordinary_batch(texts, num_threads=num_threads)
        batch = getattr(self._enc, "encode_batch_fast", self._enc.encode_batch)  # _fast skips offsets (>= 0.20)
        return [e.ids for e in batch(texts, add_special_tokens=False)]

    def decode(self, ids: list[int]) -> str:
        if self.backend == "tiktoken":
            return self._enc.decode(ids)
        return self._enc.decode(ids, skip_special_tokens=False)


def load_tokenizer(path: str | os.PathLike, backend: str = "auto") -> BPE:
    """Load a tokenizer written by ``train_bpe``: tiktoken-backed when tiktoken imports, else `tokenizers`."""
    return BPE(path, backend)

