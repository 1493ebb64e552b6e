"""What a procedure page computes from a revision, kept per process: the clause tree with names
linked and the rendered text (clauses and contents).

A stored revision never changes (its clauses are written once, `content_hash` is the text's
hash; an edit is a new revision). What the page links inside the text does change: the titles
of the other procedures and the forms that exist. So the key is the revision and a fingerprint
of those links; a renamed or new procedure gives a new key and the old entry ages out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

# A long procedure's entry is ~100-300 kB (tree and HTML); 64 revisions are the whole library
# of a small company and cost at most a few tens of MB per worker.
SIZE = 64

_entries: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def links_fingerprint(links: dict[str, str], bare: set[str]) -> str:
    text = "\n".join(f"{name}\t{url}\t{name in bare}" for name, url in sorted(links.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def cached(key: tuple, compute: Callable[[], Any]) -> Any:
    """The value for `key`, computed once (two threads may both compute a new key; the
    values are equal)."""
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]
    value = compute()
    with _lock:
        _entries[key] = value
        _entries.move_to_end(key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
