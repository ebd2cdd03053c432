"""The bank versions of the optional steps a bank may be fitted with (private helper of
``bankfile``): the face signal over its local RMS (``_local_rms``, version 16), the ring
channel (``_ring_scan``, 17), the whitening turned to each part's lay (``_lay_turn``, 18) and
the jet memory (``_jet_memory``, 19).

Each is one :class:`BankStep`, and all four keep one rule.  A bank fitted with the step is
written at the step's version, the version it has otherwise in the step's own
``<x>_base_version`` (readers that predate the step refuse the bank: they would score it
without the step against statistics calibrated with it); a bank without it is written at the
version it has otherwise, and leaves out the step's setting where its value reads as no step,
so that those readers load it.  :func:`wrap_version` applies the steps in the order of
:data:`STEPS`, each to the version the ones before it wrote; :func:`unwrap_version` undoes
them in the reverse order, each checking its version against the header fields that say the
step (``jet_scan.ring``, ...), its base version, and, for some, that the settings agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import FileFormatError
from ._jet_memory import VERSION as MEMORY_VERSION
from ._lay_turn import VERSION as LAY_VERSION
from ._local_rms import VERSION as LRMS_VERSION
from ._ring_scan import VERSION as RING_VERSION


@dataclass(frozen=True)
class BankStep:
    """One step's bank version, and its words in the errors of a header that contradicts it.

    ``version``: the bank version of a bank with the step; ``base_key``: the header field of
    the version such a bank has otherwise, ``lowest`` the least it may be.  ``channel``
    (``"line"`` or ``"jet"``) and ``attr``: the fitted channel's attribute that holds the step
    (None without it).  ``setting``: the step's setting; ``unsaid`` its values that a bank
    without the step leaves out of the header.  ``key``: the header field that says the step,
    in the headers of ``channels``: the first of them must say it in a bank of the step's
    version, and so must each other one the bank has.  ``what``: the step, in "<what> is
    version <version> and only that" (``{said}``: the channels whose headers say it);
    ``whose``: what a bank of that version holds, in "a version-<version> bank is a version
    <lowest>-<version - 1> one ... whose <whose>"; ``given``: what the bank has instead, with
    and without the step (None: the channels that say it).  ``agree``: where the settings must
    agree with the bank (the setting True with the step, False without), what the bank is
    with and without it; None where they need not."""

    version: int
    base_key: str
    lowest: int
    channel: str
    attr: str
    setting: str
    unsaid: tuple
    key: str
    channels: tuple[str, ...]
    what: str
    whose: str
    given: tuple[str, str] | None = ("it", "none")
    agree: tuple[str, str] | None = None

    def wrap(self, meta: dict, line: Any, jet: Any) -> None:
        """The header ``meta`` at this step's version where the fitted channel has the step;
        without it, the setting left out where it is one of :attr:`unsaid`."""
        fitted = line if self.channel == "line" else jet
        has = fitted is not None and getattr(fitted, self.attr, None) is not None
        settings = meta.get("settings")
        if not has and isinstance(settings, dict) and settings.get(self.setting) in self.unsaid:
            settings.pop(self.setting, None)
        if has:
            meta[self.base_key] = meta["version"]
            meta["version"] = self.version

    def unwrap(self, meta: dict, where: str) -> dict:
        """A header of this step's version as its base version's (a copy); any other version
        is returned as it is, and must not say the step.  A contradicting header raises
        :class:`FileFormatError`."""
        said = [k for k in self.channels if isinstance(meta.get(k), dict) and self.key in meta[k]]
        if self.agree is not None:
            settings = meta.get("settings")
            asked = settings.get(self.setting, None) if isinstance(settings, dict) else None
            if (asked is True and not said) or (asked is False and said):
                raise FileFormatError(f"{where}: the settings have {self.setting} {asked!r} but "
                                      f"{self.agree[0] if said else self.agree[1]}")
        if meta.get("version") != self.version:
            if said:
                raise FileFormatError(f"{where}: {self.what.format(said=said)} is version "
                                      f"{self.version} and only that, given "
                                      f"{meta.get('version')!r}")
            return meta
        base = meta.get(self.base_key)
        whole = self.channels[0] in said and all(k in said for k in self.channels[1:] if k in meta)
        if isinstance(base, bool) or base not in tuple(range(self.lowest, self.version)) or \
                not whole:
            given = said if self.given is None else self.given[0 if said else 1]
            raise FileFormatError(f"{where}: a version-{self.version} bank is a version "
                                  f"{self.lowest}-{self.version - 1} one ('{self.base_key}', "
                                  f"given {base!r}) whose {self.whose}; given {given}")
        return {**meta, "version": base}


#: the steps in the order they wrap the version (the local RMS on the line channel, whose
#: base may be from version 3 on; the others on the jet channel, from version 6 on)
STEPS = (
    BankStep(LRMS_VERSION, "lrms_base_version", 3, "line", "lrms", "local_rms",
             ("auto", False), "local_rms_px", ("line_scan", "jet_scan"),
             "a face signal over its local RMS ({said})",
             "line channel and jet channel, if any, say 'local_rms_px'", given=None),
    BankStep(RING_VERSION, "ring_base_version", 6, "jet", "rings", "ring_scan",
             ("auto", False), "ring", ("jet_scan",), "a ring channel ('jet_scan.ring')",
             "jet channel has a ring channel ('jet_scan.ring')", given=("one", "none"),
             agree=("the bank has a ring channel", "the bank has no ring channel")),
    BankStep(LAY_VERSION, "lay_base_version", 6, "jet", "lay_turns", "lay_turn",
             ("auto", False), "lay_turn", ("jet_scan",),
             "a jet channel turned to each part's lay ('jet_scan.lay_turn')",
             "jet channel says 'lay_turn'",
             agree=("the bank's jet channel turns its whitening to each part's lay",
                    "the bank's jet channel does not turn its whitening to each part's lay")),
    BankStep(MEMORY_VERSION, "memory_base_version", 6, "jet", "memory", "jet_memory",
             ("auto", False), "memory", ("jet_scan",), "a jet memory ('jet_scan.memory')",
             "jet channel says 'memory'"),
)


def wrap_version(meta: dict, line: Any, jet: Any) -> None:
    """The bank header ``meta`` (its version and settings; in place) with each of
    :data:`STEPS` in turn, for the fitted line and jet channels (None where the bank has
    none)."""
    for step in STEPS:
        step.wrap(meta, line, jet)


def unwrap_version(meta: dict, where: str) -> dict:
    """A bank header as the version it would have without the steps (a copy where any
    applies): each of :data:`STEPS` undone, the last first; a header that contradicts one
    raises :class:`FileFormatError`."""
    for step in reversed(STEPS):
        meta = step.unwrap(meta, where)
    return meta
