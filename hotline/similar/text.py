"""Words, MinHash signatures and LSH bands of a ticket's text (ADR 0024).

- ``words``: rjieba's precise cut of the subject, the description (its first
  ``TEXT_CHARS``) and the respondent, lower-cased, each word once: Han words of two
  characters or more and letter/digit runs of two or more, less the words every complaint
  uses. A ticket's shingles are these words (1-shingles): complaints are short, and two of
  them about one shop share words far more often than word pairs.
- ``signature``: a ``datasketch.MinHash`` of the words (``NUM_PERM`` permutations, one seed
  for the whole product, so every process computes the same signature), stored as bytes.
- ``band_keys``: the signature cut into ``BANDS`` bands of ``ROWS`` values, each band hashed
  with its position to one signed 64-bit key. Two tickets share a band with probability
  ``1 - (1 - J**ROWS) ** BANDS`` for a Jaccard similarity ``J``: 0.9997 at J = 0.5, 0.95 at
  0.3, so a topic's threshold (default 0.5) is found. The layout is fixed, not per pack:
  stored bands must compare across packs and restarts. (A repeat's candidates are the
  caller's own tickets, each compared: ``detection.repeat_candidates``.)
- ``similarity``: the share of equal signature values, the estimate of ``J``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from typing import Final

import numpy as np
import rjieba
from datasketch import MinHash

NUM_PERM: Final = 64
BANDS: Final = 32
ROWS: Final = 2
SEED: Final = 20261130
TEXT_CHARS: Final = 2000
MIN_WORDS: Final = 3  # fewer words say too little to compare (and would all look alike)
_HAN: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD: Final = re.compile(f"^(?:[{_HAN}]{{2,}}|[a-z0-9]{{2,}})$")
_KEY_DROP: Final = re.compile(f"[^{_HAN}a-z0-9]+")
STOPWORDS: Final = frozenset(
    """
    投诉 举报 咨询 建议 求助 表扬 反映 要求 希望 市民 来电 来信 诉求 表示 问题 情况 相关
    处理 进行 没有 一个 已经 我们 他们 自己 这个 那个 什么 怎么 为什么 可以 不能 还是 但是
    因为 所以 如果 现在 目前 之前 之后 时候 今天 昨天 明天 多次 一直 无法 本人 他们 她们
    相关部门 部门 工作人员 及时 尽快 给予 请求 协调 解决 核实 回复 联系 电话 地址 上次 事情
    诉求人 来电人 请求 帮助 谢谢 您好 你好 一下 这样 那样 就是 还有 以及 或者 并且 而且
    """.split()
)

_TEMPLATE: Final = MinHash(num_perm=NUM_PERM, seed=SEED)
_PERMUTATIONS: Final = _TEMPLATE.permutations
_SCHEME: Final = _TEMPLATE.scheme


def normalise_key(text: str) -> str:
    """A respondent's name or an address as a key: full-width folded, lower-cased, every
    space and punctuation mark dropped (华联超市(人民路店) = 华联超市 人民路店)."""
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", text or "").lower())[:255]


def words(*parts: str) -> list[str]:
    """The distinct words of ``parts`` (sorted), as described above."""
    text = unicodedata.normalize("NFKC", " ".join(p for p in parts if p)).lower()
    found = {w.strip() for w in rjieba.cut(text)}
    return sorted(w for w in found if _WORD.match(w) and w not in STOPWORDS)


def ticket_words(subject: str, description: str, respondent: str) -> list[str]:
    return words(subject, (description or "")[:TEXT_CHARS], respondent)


def signature(word_list: Sequence[str]) -> bytes | None:
    """The MinHash of the words as ``NUM_PERM`` little-endian uint32, or None when there are
    fewer than ``MIN_WORDS`` words."""
    if len(word_list) < MIN_WORDS:
        return None
    m = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_PERMUTATIONS, scheme=_SCHEME)
    m.update_batch([w.encode("utf-8") for w in word_list])
    return bytes(np.asarray(m.hashvalues, dtype="<u4").tobytes())


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4")


def band_keys(sig: bytes) -> list[int]:
    """The ``BANDS`` keys of a signature (signed 64-bit, as the database stores them)."""
    values = _values(sig)
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of two signatures' words (0–1)."""
    return float(np.count_nonzero(_values(a) == _values(b))) / NUM_PERM
