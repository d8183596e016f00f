"""Keeping the gettext catalogs (developer tooling, used by
``scripts/compile_catalogs`` and the tests; the app itself only reads the
compiled ``.mo`` through :mod:`operator_tui.i18n`).

* :func:`extract` reads every message marked in the code (``_``, ``N_``,
  ``ngettext``, ``pgettext``, ``NP_``, ``lazy_gettext``) with Babel's Python
  extractor.
* :func:`update` merges them into each language's ``.po`` (new messages
  with an empty translation, vanished ones marked obsolete).
* :func:`compile_all` writes the ``.mo`` beside each ``.po``.
* :func:`problems` lists what is wrong: messages without a translation,
  ``{placeholders}`` that differ, a ``.mo`` that is not the ``.po`` compiled.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from .i18n import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("operator_tui", "screens")  # the packages whose messages the UI shows
KEYWORDS = {**DEFAULT_KEYWORDS, "NP_": ((1, "c"), 2), "lazy_gettext": None}
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != "en")  # English is the msgids
PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*\}")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def extract(root: Path = ROOT) -> Catalog:
    """Every marked message of the UI packages, with where it is used."""
    template = Catalog(project="operator-tui", domain=DOMAIN)
    for package in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            root / package, method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("NOTE:",), strip_comment_tags=True,
        ):
            template.add(message, None, [(f"{package}/{filename}", lineno)], auto_comments=comments,
                         context=context)
    return template


def load_po(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


HEADER = """\
# operator-tui: the operator's workstation in {language}.
# Messages are English in the code; edit the translations here, then run
# scripts/compile_catalogs (--update first after changing messages in the code).
#"""


def save_po(catalog: Catalog, language: str) -> None:
    catalog.fuzzy = False
    catalog.header_comment = HEADER.format(language=language)
    catalog.project, catalog.version = "operator-tui", "1"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = catalog.language_team = "operator-tui developers"
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, omit_header=False, include_previous=False,
             include_lineno=False)
    po_path(language).parent.mkdir(parents=True, exist_ok=True)
    po_path(language).write_bytes(buffer.getvalue())


def update(root: Path = ROOT) -> dict[str, int]:
    """Merge the code's messages into each .po; language -> untranslated count."""
    template = extract(root)
    out = {}
    for language in TRANSLATED:
        if po_path(language).exists():
            catalog = load_po(language)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="operator-tui")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()  # the .po keeps only what the code uses (git keeps the rest)
        save_po(catalog, language)
        out[language] = sum(1 for m in catalog if m.id and not _translated(m))
    return out


def compiled(language: str) -> bytes:
    """The .mo for *language*'s .po, as bytes."""
    buffer = io.BytesIO()
    write_mo(buffer, load_po(language), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> list[Path]:
    written = []
    for language in TRANSLATED:
        mo_path(language).write_bytes(compiled(language))
        written.append(mo_path(language))
    return written


def _translated(message) -> bool:  # noqa: ANN001 - babel Message
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(strings) and all(strings) and not message.fuzzy


def _key(message) -> tuple[str | None, str]:  # noqa: ANN001
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return (message.context, msgid)


def _as_dict(catalog: Catalog) -> dict[tuple[str | None, str], tuple[str, ...]]:
    out = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        out[_key(message)] = tuple(strings)
    return out


def problems(root: Path = ROOT) -> list[str]:
    """Everything wrong with the catalogs ([] when all is well)."""
    found: list[str] = []
    template = extract(root)
    for language in TRANSLATED:
        if not po_path(language).exists():
            return [f"{po_path(language)} is missing: run scripts/compile_catalogs --update"]
        catalog = load_po(language)
        for message in template:
            if not message.id:
                continue
            have = catalog.get(message.id if isinstance(message.id, str) else message.id[0],
                               context=message.context)
            where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
            if have is None or not _translated(have):
                found.append(f"{language}: no translation for {message.id!r} ({where})")
                continue
            ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
            wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
            strings = have.string if isinstance(have.string, (list, tuple)) else [have.string]
            for string in strings:
                if set(PLACEHOLDER.findall(string)) != wanted:
                    found.append(f"{language}: placeholders of {message.id!r} differ in {string!r}")
        if not mo_path(language).exists():
            found.append(f"{mo_path(language)} is missing: run scripts/compile_catalogs")
            continue
        with mo_path(language).open("rb") as handle:
            shipped = _as_dict(read_mo(handle))
        if shipped != _as_dict(catalog):
            found.append(f"{mo_path(language)} is not {po_path(language).name} compiled: "
                         "run scripts/compile_catalogs")
    return found
