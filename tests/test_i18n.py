"""The page's message catalogues: both languages hold the same keys, and every key the page uses
(in its JS and its template) exists, as does every name the server sends (catalog titles, error
codes, what a config answer rebuilt)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest

from app.catalog import build_catalog
from app.config import Settings
from app.protocol import ErrorCode, Rebuilt

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "ru")
PLURAL = re.compile(r"\.(zero|one|two|few|many|other)$")
# A string literal shaped like a key: dotted lowercase words ("tip.learning_rate").
KEY_LITERAL = re.compile(r"""(?<![\w$`.])(['"])([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\1""")
NOT_KEYS = re.compile(r"\.(js|css|json|html|png|csv|tsv|txt)$")
TEMPLATE_ATTRIBUTE = re.compile(r'data-i18n(?:-[a-z-]+)?="([^"]+)"')
# A computed key must go through named(kind, name): no `t(`…${…}`)`-style keys.
COMPUTED_KEY = re.compile(r"\b(?:t|tText|tAttr|tTip)\([^;]*?`[a-z_]+\.\$\{")
# named(kind, …) and tName / tTipNamed(node, kind, …) families, and the names each must cover.
NAMED_CALL = re.compile(r"\b(?:named\(|tName\([^,]+,\s*|tTipNamed\([^,]+,\s*)'([a-z_]+)'")


def load(lang: str) -> dict[str, str]:
    """static/i18n/<lang>.js: `export default { … };`, a JSON object with // comment lines."""
    text = (ROOT / "static" / "i18n" / f"{lang}.js").read_text()
    body = text[text.index("export default {") + len("export default ") : text.rindex("}") + 1]
    body = "\n".join(line for line in body.splitlines() if not line.strip().startswith("//"))

    def no_repeats(pairs: list[tuple[str, str]]) -> dict[str, str]:
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        assert not repeated, f"{lang}.js repeats {repeated}"
        return dict(pairs)

    messages: dict[str, str] = json.loads(body, object_pairs_hook=no_repeats)
    return messages


def base(key: str) -> str:
    return PLURAL.sub("", key)


def page_sources() -> dict[str, str]:
    js = ROOT / "static" / "js"
    files = sorted(js.rglob("*.js")) + [ROOT / "templates" / "index.html"]  # compare/ included
    return {str(path.relative_to(js)) if js in path.parents else path.name: path.read_text()
            for path in files}  # fmt: skip


def used_keys() -> dict[str, set[str]]:
    """Every literal key in the page's JS and template, with the files using it."""
    used: dict[str, set[str]] = {}
    for name, text in page_sources().items():
        found = (
            TEMPLATE_ATTRIBUTE.findall(text)
            if name.endswith(".html")
            else [m.group(2) for m in KEY_LITERAL.finditer(text) if not NOT_KEYS.search(m.group(2))]
        )
        for key in found:
            used.setdefault(key, set()).add(name)
    return used


def named_families() -> dict[str, list[str]]:
    """kind -> the names the page may look up as `<kind>.<name>`."""
    catalog: dict[str, Any] = build_catalog(Settings())
    tasks = [task["name"] for task in catalog["tasks"]]
    datasets = [dataset["name"] for dataset in catalog["datasets"]]
    return {
        "task": tasks,
        "outact": tasks,
        "dataset": datasets,
        "datasettip": datasets,
        "optimizer": [optimizer["name"] for optimizer in catalog["optimizers"]],
        "hyper": sorted({h for optimizer in catalog["optimizers"] for h in optimizer["hyper"]}),
        "hypertip": sorted({h for optimizer in catalog["optimizers"] for h in optimizer["hyper"]}),
        "regularization": catalog["regularizations"],
        "init": catalog["initializers"],
        "loss": sorted({loss for losses in catalog["losses"].values() for loss in losses}),
        "formula": catalog["activations"],
        "speed": [f"{speed:g}" for speed in catalog["speeds"]],
        "error": list(get_args(ErrorCode)),
        "rebuilt": list(get_args(Rebuilt)),
    }


def test_both_languages_have_the_same_keys() -> None:
    en, ru = load("en"), load("ru")
    only_en = sorted({base(k) for k in en} - {base(k) for k in ru})
    only_ru = sorted({base(k) for k in ru} - {base(k) for k in en})
    assert only_en == [] and only_ru == [], f"only in en: {only_en}; only in ru: {only_ru}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_texts_have_every_form_of_their_language(lang: str) -> None:
    forms = {"en": {"one", "other"}, "ru": {"one", "few", "many", "other"}}[lang]
    messages = load(lang)
    plurals = {base(key) for key in messages if PLURAL.search(key)}
    for key in sorted(plurals):
        have = {k.rsplit(".", 1)[1] for k in messages if base(k) == key and PLURAL.search(k)}
        assert forms <= have, f"{lang}: {key} lacks {sorted(forms - have)}"
        assert key not in messages, f"{lang}: {key} is both a text and a plural"


def test_placeholders_agree_between_languages() -> None:
    en, ru = load("en"), load("ru")
    fields = re.compile(r"\{(\w+)\}")
    for key, text in en.items():
        other = ru.get(key) or ru.get(f"{base(key)}.other", "")
        assert set(fields.findall(text)) == set(fields.findall(other)), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_the_page_uses_exists(lang: str) -> None:
    messages = {base(key) for key in load(lang)}
    missing = {key: sorted(files) for key, files in used_keys().items() if key not in messages}
    assert missing == {}, f"keys the page uses but {lang}.js lacks: {missing}"


def test_the_page_builds_no_keys_of_its_own() -> None:
    computed = [name for name, text in page_sources().items() if COMPUTED_KEY.search(text)]
    assert computed == [], f"computed keys (use named(kind, name)) in {computed}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_name_the_server_sends_has_a_text(lang: str) -> None:
    messages = load(lang)
    missing = [
        f"{kind}.{name}"
        for kind, names in named_families().items()
        for name in names
        if f"{kind}.{name}" not in messages
    ]
    assert missing == [], f"{lang}.js lacks {missing}"


def test_every_named_family_the_page_uses_is_checked() -> None:
    kinds = {kind for text in page_sources().values() for kind in NAMED_CALL.findall(text)}
    assert kinds, "no named() lookups found: the pattern is stale"
    assert kinds <= set(named_families()), f"families not checked: {kinds - set(named_families())}"


def test_english_names_match_the_servers_titles() -> None:
    """The English catalogue says what the server says (its titles are English)."""
    catalog, en = build_catalog(Settings()), load("en")
    for kind, rows in (("task", catalog["tasks"]), ("dataset", catalog["datasets"])):
        for row in rows:
            assert en[f"{kind}.{row['name']}"] == row["title"], (kind, row["name"])
    for row in catalog["optimizers"]:
        assert en[f"optimizer.{row['name']}"] == row["title"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unused_keys_are_few(lang: str) -> None:
    """Every text is shown somewhere: a key neither used nor named is left over."""
    used = set(used_keys())
    families = {f"{kind}.{name}" for kind, names in named_families().items() for name in names}
    unused = sorted({base(key) for key in load(lang)} - used - families)
    assert unused == [], f"{lang}.js has texts the page never shows: {unused}"
