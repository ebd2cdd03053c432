"""The files the studio may read and write: the recipe's folder and the ``--images`` folder.

The page never sends a path.  Images are named by a key from :meth:`Sandbox.images` (the file
name for the recipe folder, ``images/<file name>`` for ``--images``); uploads are plain file
names written into the recipe folder.  Anything else (``..``, separators, hidden files, a link
leading outside, an unknown extension, a file that does not decode as an image, an upload over
the size limit) raises :class:`~metrology.errors.InputError` with a message that says why.

Examples
--------
>>> import tempfile
>>> box = Sandbox(tempfile.mkdtemp())
>>> box.upload_target("golden.png").name
'golden.png'
>>> box.upload_target("../etc/passwd.png")
Traceback (most recent call last):
...
metrology.errors.InputError: file name '../etc/passwd.png': give a plain file name (letters, digits, '-', '_', '.'), no folders or '..'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..inspect.batch import IMAGE_EXTENSIONS

__all__ = ["Sandbox", "DRAWING_EXTENSIONS", "IMAGES_PREFIX", "MAX_UPLOAD_BYTES", "too_large",
           "check_image_bytes"]

DRAWING_EXTENSIONS = (".dxf",)
IMAGES_PREFIX = "images/"
#: default upload limit (bytes): a 24-bit 12-Mpx BMP is 36 MB
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")


def check_image_bytes(data: bytes, name: str) -> np.ndarray:
    """Decode ``data`` as an image (OpenCV, any depth); raise InputError when it is not one.

    Returns
    -------
    ndarray
        The decoded image (H, W) or (H, W, 3).
    """
    import cv2

    arr = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(arr, cv2.IMREAD_UNCHANGED) if arr.size else None
    if img is None or img.size == 0:
        raise InputError(f"{name}: not an image (the content does not decode as "
                         f"{'/'.join(e.lstrip('.') for e in IMAGE_EXTENSIONS)})")
    return img


class Sandbox:
    """The recipe's folder (read and write) and the images folder (read only).

    Parameters
    ----------
    folder : path
        The recipe's folder: the recipe, uploads, golden images and drawings live here.
    images : path, optional
        The ``--images`` folder of the parts to run the recipe on.
    max_upload_bytes : int
    """

    def __init__(self, folder: str | os.PathLike, images: str | os.PathLike | None = None,
                 max_upload_bytes: int = MAX_UPLOAD_BYTES):
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            raise InputError(f"{folder}: the recipe's folder does not exist")
        self.images_dir = None if images is None else Path(images).resolve()
        if self.images_dir is not None and not self.images_dir.is_dir():
            raise InputError(f"--images {images}: no such folder")
        self.max_upload_bytes = int(max_upload_bytes)

    # -- reading --------------------------------------------------------------------------
    @staticmethod
    def _listing(folder: Path, extensions: tuple[str, ...]) -> list[Path]:
        return sorted(p for p in folder.iterdir()
                      if p.is_file() and p.suffix.lower() in extensions
                      and _PLAIN.match(p.name) and _inside(p, folder))

    def images(self) -> dict[str, Path]:
        """``key -> path`` of every image the page may show: the recipe folder's images
        (key: file name), then those of ``--images`` (key: ``images/<file name>``)."""
        out = {p.name: p for p in self._listing(self.folder, IMAGE_EXTENSIONS)}
        if self.images_dir is not None:
            out.update({IMAGES_PREFIX + p.name: p
                        for p in self._listing(self.images_dir, IMAGE_EXTENSIONS)})
        return out

    def run_images(self) -> list[str]:
        """Keys of the ``--images`` images, in name order (what "Run" inspects)."""
        return [k for k in self.images() if k.startswith(IMAGES_PREFIX)]

    def drawings(self) -> list[str]:
        """File names of the DXF drawings in the recipe folder."""
        return [p.name for p in self._listing(self.folder, DRAWING_EXTENSIONS)]

    def image(self, key: str) -> Path:
        """The image file of ``key``.

        Raises
        ------
        InputError
            ``key`` is not one of :meth:`images` (a path, ``..``, another folder, ...).
        """
        images = self.images()
        if not isinstance(key, str) or key not in images:
            raise InputError(f"image {key!r}: not an image of the recipe folder or of --images "
                             f"(the studio serves only those; give a name from the list)")
        return images[key]

    def drawing(self, name: str) -> Path:
        """The DXF file ``name`` in the recipe folder (InputError otherwise)."""
        if not isinstance(name, str) or name not in self.drawings():
            raise InputError(f"drawing {name!r}: not a .dxf file of the recipe folder")
        return self.folder / name

    # -- writing --------------------------------------------------------------------------
    def upload_target(self, name: str) -> Path:
        """Where an upload called ``name`` goes (the recipe folder).

        Raises
        ------
        InputError
            Not a plain file name, or not an image / DXF extension.
        """
        if not isinstance(name, str) or not _PLAIN.match(name) or ".." in name:
            raise InputError(f"file name {name!r}: give a plain file name (letters, digits, "
                             f"'-', '_', '.'), no folders or '..'")
        suffix = Path(name).suffix.lower()
        if suffix not in IMAGE_EXTENSIONS + DRAWING_EXTENSIONS:
            raise InputError(f"file name {name!r}: only images "
                             f"({', '.join(IMAGE_EXTENSIONS)}) and drawings (.dxf) can be "
                             f"uploaded")
        target = self.folder / name
        if not _inside(target, self.folder):
            raise InputError(f"file name {name!r}: outside the recipe folder")
        return target

    def store(self, name: str, data: bytes) -> Path:
        """Check an upload and write it atomically into the recipe folder.

        Images must decode (:func:`check_image_bytes`); drawings must be text that starts
        like a DXF file.  Returns the written path.
        """
        target = self.upload_target(name)
        if len(data) > self.max_upload_bytes:
            raise InputError(too_large(len(data), self.max_upload_bytes))
        if target.suffix.lower() in DRAWING_EXTENSIONS:
            head = data[:4096].lstrip()
            if not (head.startswith(b"0") or head.startswith(b"999")) or b"SECTION" not in head:
                raise InputError(f"{name}: not a DXF drawing (an ASCII DXF starts with a "
                                 f"'0 / SECTION' group)")
        else:
            check_image_bytes(data, name)
        tmp = target.with_name(f".{target.name}.upload")
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
        return target


def too_large(size: int | None, limit: int) -> str:
    """The message for an upload over ``limit`` bytes."""
    got = "" if size is None else f" ({size / 2**20:.1f} MB)"
    return f"upload too large{got}: the limit is {limit / 2**20:.0f} MB"


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` (links resolved) lies in ``folder``."""
    try:
        path.resolve().relative_to(folder)
    except (ValueError, OSError):
        return False
    return True
