"""The clause registry is the one source of the spec: the spec page shows it as generated, and
each clause's prerequisites are what its checks can really report as blocked."""

from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import FunctionType

import pytest

from dropout_conformance import checks
from dropout_conformance.checks import context
from dropout_conformance.prerequisites import validate_requires
from dropout_conformance.spec import CLAUSES, SPEC_VERSION, Clause, clause, in_profile

DOCS = Path(__file__).parents[1] / "docs"
SPEC_MD = DOCS / "spec.md"
sys.path.insert(0, str(DOCS / "gen"))

import hooks  # noqa: E402
import spec_clauses  # noqa: E402

HEADING = re.compile(r"^### `(?P<id>[^`]+)` · (?P<level>MUST|SHOULD) · (?P<title>.+)$")


def spec_page() -> str:
    """docs/spec.md as the site shows it: through the mkdocs hook, clause sections generated."""
    return hooks.page_markdown(SPEC_MD.read_text(), "spec.md", DOCS)


def parse_clause_sections(markdown: str) -> dict[str, dict[str, str]]:
    """Each clause section of a spec page: level, title, normative text, rationale, 'Checked by'."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in markdown.splitlines():
        m = HEADING.match(line)
        if m:
            current = sections.setdefault(m["id"], {"level": m["level"], "title": m["title"], "text": "", "why": "", "checked": ""})
        elif current is not None and line.startswith("> "):
            current["text"] += line[2:]
        elif current is not None and line.startswith("Why: "):
            current["why"] = line[len("Why: "):]
        elif current is not None and line.startswith("Checked by:"):
            current["checked"] = line.split("Checked by:", 1)[1].strip()
    return sections


def test_spec_md_states_the_version():
    assert f"version {SPEC_VERSION}" in SPEC_MD.read_text().splitlines()[0]


def test_clause_sections_are_generated_not_hand_written():
    """docs/spec.md has the marker once and no clause heading of its own, which could go stale."""
    raw = SPEC_MD.read_text()
    assert len(spec_clauses.CLAUSES_MARKER.findall(raw)) == 1
    hand_written = [line for line in raw.splitlines() if HEADING.match(line)]
    assert not hand_written, f"clause sections written by hand in docs/spec.md: {hand_written}"


def test_the_spec_page_shows_every_registry_clause_word_for_word():
    doc = parse_clause_sections(spec_page())
    assert list(doc) == [c.id for c in CLAUSES], "the spec page's clauses differ from the registry's, or their order does"
    for c in CLAUSES:
        shown = doc[c.id]
        assert (shown["level"], shown["title"], shown["text"], shown["why"]) == (c.level, c.title, c.text, c.why), c.id


def test_checked_by_lines_name_the_registered_checks():
    doc = parse_clause_sections(spec_page())
    registered = checks.all_checks()
    for c in CLAUSES:
        names = sorted(k.name for k in registered if k.clause == c.id)
        listed = sorted(re.findall(r"`([a-z_]+)`", doc[c.id]["checked"]))
        if names:
            assert listed == names, f"{c.id}: the spec page lists {listed}, registry has {names}"
        else:
            assert c.level == "SHOULD" and doc[c.id]["checked"].startswith(spec_clauses.PENDING), (
                f"{c.id} ({c.level}) has no check; only a SHOULD clause shown as pending may"
            )


def test_every_must_clause_has_a_check():
    covered = {k.clause for k in checks.all_checks()}
    missing = [c.id for c in CLAUSES if c.level == "MUST" and c.id not in covered]
    assert not missing


def test_checks_cite_known_clauses():
    for k in checks.all_checks():
        assert clause(k.clause).id == k.clause


def test_core_profile_is_the_six_published_checks():
    core = {c.id for c in CLAUSES if in_profile(c, "core")}
    assert core == {"infer.identity", "train.values", "back.mask-reuse", "train.p-zero", "init.invalid-p", "train.unbiased"}
    assert {k.clause for k in checks.cases("core")} == core


def test_case_keys_are_unique_and_stable():
    keys = [c.key for c in checks.cases("strict")]
    assert len(keys) == len(set(keys))
    assert "train.values-p0.2-float32" in keys
    odd = [k for k in keys if not re.fullmatch(r"[A-Za-z0-9_.\-]+", k)]
    assert not odd, f"case keys must be plain -k friendly text: {odd}"


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_raw(receiver: ast.expr) -> bool:
    """``handle.layer`` or ``ctx.impl.build(p)``: the implementation itself, not a LayerHandle."""
    if isinstance(receiver, ast.Attribute):
        return receiver.attr == "layer"
    if isinstance(receiver, ast.Call):
        f = receiver.func
        return (f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")) == "build"
    return False


def _raised_here(func: Callable[..., object]) -> set[str]:
    """The prerequisites one function (nested functions and lambdas included) can raise directly."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(func)))):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        name = callee.id if isinstance(callee, ast.Name) else callee.attr if isinstance(callee, ast.Attribute) else ""
        if name in ("Blocked", "block"):
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{func.__qualname__}: {name}(...) without a literal clause ID at line {node.lineno}; this test cannot read it"
            )
            found.add(first.value)
        elif name == "construct" and not _is_true(_keyword(node, "owner")):
            found.add("init.valid-p")
        elif name == "forward" and isinstance(callee, ast.Attribute):
            raw = _is_raw(callee.value)
            inference = _is_false(_keyword(node, "training")) or (len(node.args) > 1 and _is_false(node.args[1]))
            if not (raw or inference or _is_true(_keyword(node, "shape_owner"))):
                found.add("train.output-shape")
    return found


def _helpers_called(func: Callable[..., object]) -> list[FunctionType]:
    """Plain functions of the checks package that ``func`` calls by name (context.py's aside)."""
    out = []
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(func)))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            target = getattr(func, "__globals__", {}).get(node.func.id)
            if isinstance(target, FunctionType) and target.__module__.startswith(checks.__name__ + ".") and target is not func:
                if target.__module__ != context.__name__:
                    out.append(target)
    return out


def prerequisites_raised(func: Callable[..., object]) -> set[str]:
    """What a check can make *blocked*, read from its source and its helpers' in the checks package.

    Three rules, mirroring what the code raises today:

    * a ``ctx.block("clause.id", ...)`` (or ``Blocked(...)``) call (the ID must be a string literal, else this fails);
    * ``init.valid-p`` for a ``ctx.construct(...)`` call without ``owner=True``;
    * ``train.output-shape`` for a ``.forward(...)`` call through a LayerHandle that may train: any
      call but those with ``shape_owner=True``, ``training=False`` or a literal ``False`` as the
      second positional argument. A flag held in a variable counts as training (an
      over-approximation). A raw call on the implementation (``handle.layer.forward(...)`` or
      ``ctx.impl.build(p).forward(...)``) goes around LayerHandle and blocks nothing.
    """
    seen: set[Callable[..., object]] = set()
    todo = [func]
    found: set[str] = set()
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        found |= _raised_here(f)
        todo += _helpers_called(f)
    return found


def test_the_rules_for_context_match_what_context_raises():
    """prerequisites_raised hard-codes what Context.construct and LayerHandle.forward raise; if they
    change, this fails before the rules silently go stale."""
    assert "owner" in inspect.signature(context.Context.construct).parameters
    assert "shape_owner" in inspect.signature(context.LayerHandle.forward).parameters
    assert _raised_here(context.Context.construct) == {"init.valid-p"}
    assert _raised_here(context.LayerHandle.forward) == {"train.output-shape"}
    sources = inspect.getsource(context)
    assert sorted(re.findall(r'\.block\("([^"]+)"', sources)) == ["init.valid-p", "train.output-shape"]
    others = sources.replace("class Blocked(", "").replace("raise Blocked(prerequisite", "")
    assert "Blocked(" not in others, "Context blocks only through Context.block()"


def _builds_and_trains(ctx, x):
    ctx.construct(0.5).forward(x)


def _owns_construction_infers(ctx, x):
    layer = ctx.construct(0.5, owner=True)
    layer.forward(x, False)
    layer.forward(x, training=False)
    layer.forward(x, shape_owner=True)
    layer.layer.forward(x)
    ctx.impl.build(0.5).forward(x)


def _flag_in_a_variable(ctx, x, flag):
    ctx.construct(0.5, owner=True).forward(x, training=flag)


def _raises_in_a_lambda(ctx):
    return lambda: ctx.block("back.mask-reuse", "nested")


@pytest.mark.parametrize(
    "func, expected",
    [
        (_builds_and_trains, {"init.valid-p", "train.output-shape"}),
        (_owns_construction_infers, set()),
        (_flag_in_a_variable, {"train.output-shape"}),
        (_raises_in_a_lambda, {"back.mask-reuse"}),
    ],
)
def test_prerequisites_raised_reads_each_rule(func, expected):
    assert prerequisites_raised(func) == expected


def test_requires_is_what_the_checks_can_raise():
    """Each clause's ``requires`` is exactly the union of what its checks can raise as Blocked."""
    raised: dict[str, set[str]] = {c.id: set() for c in CLAUSES}
    for k in checks.all_checks():
        raised[k.clause] |= prerequisites_raised(k.func)
    for c in CLAUSES:
        assert set(c.requires) == raised[c.id], f"{c.id}: requires {sorted(c.requires)}, its checks raise {sorted(raised[c.id])}"
        assert len(set(c.requires)) == len(c.requires), f"{c.id}: a prerequisite listed twice"


def test_every_clause_says_why():
    assert all(c.why.strip() for c in CLAUSES)


def test_published_clauses_are_the_published_checks_1_to_6():
    """``published`` (the core profile) and the "Published check N" of the rationale agree."""
    numbers = {c.id: re.findall(r"\b[Pp]ublished check (\d+)\b", c.why) for c in CLAUSES}
    assert {cid for cid, n in numbers.items() if n} == {c.id for c in CLAUSES if c.published}
    assert sorted(int(n) for found in numbers.values() for n in found) == [1, 2, 3, 4, 5, 6]


def _clauses(**requires: tuple[str, ...]) -> list[Clause]:
    return [Clause(cid, "MUST", cid, cid, why="w", requires=needs) for cid, needs in requires.items()]


@pytest.mark.parametrize(
    "graph, mutual, error",
    [
        ({"a": ("zzz",)}, frozenset(), "a requires unknown clauses"),
        ({"a": ("a",)}, frozenset(), "a requires itself"),
        ({"a": ("b",), "b": ("c",), "c": ("a",)}, frozenset(), "prerequisite cycle: a -> b -> c -> a"),
        ({"a": ("b",), "b": ("a",)}, frozenset(), "prerequisite cycle: a -> b -> a"),
        ({"a": ("b",), "b": ()}, frozenset({frozenset({"a", "b"})}), "do not require each other"),
        ({"a": ("b",), "b": ("a", "c"), "c": ("b",)}, frozenset({frozenset({"a", "b"})}), "cycle: b -> c -> b"),
    ],
)
def test_requires_validation_rejects_bad_graphs(graph, mutual, error):
    with pytest.raises(ValueError, match=re.escape(error)):
        validate_requires(_clauses(**graph), mutual)


def test_requires_validation_accepts_the_registry_and_a_declared_mutual_pair():
    validate_requires(CLAUSES)
    validate_requires(_clauses(a=("b",), b=("a",), c=("a", "b")), frozenset({frozenset({"a", "b"})}))


def test_cases_follow_the_clause_order_of_the_spec():
    """Not the order of the check modules' file names: MUST clauses (as the spec lists them) come first."""
    position = {c.id: i for i, c in enumerate(CLAUSES)}
    for profile in ("core", "spec", "strict"):
        order = [position[c.clause] for c in checks.cases(profile)]
        assert order == sorted(order), profile


def test_every_check_module_is_discovered():
    """Each module of the checks package that registers a check (``@check(``) is imported by all_checks()."""
    package = Path(checks.__file__).parent
    declaring = {p.stem for p in package.glob("*.py") if "\n@check(" in p.read_text()}
    found = {k.func.__module__.rsplit(".", 1)[-1] for k in checks.all_checks()}
    assert declaring and found == declaring


def test_a_check_blocked_by_a_clause_it_does_not_require_is_a_kit_error():
    """``requires`` is enforced where checks run, not only read from their source: a check that
    blocks on an undeclared prerequisite raises KitError, which no runner blames on the layer."""
    from dropout_conformance.checks import run_case
    from dropout_conformance.checks.context import Context, KitError
    from dropout_conformance.implementation import InProcess
    from dropout_reference import DropoutLayer

    with pytest.raises(KitError, match="cannot be blocked by init.valid-p"):
        Context("init.invalid-p", InProcess(DropoutLayer), 1).block("init.valid-p", "x")
    with pytest.raises(context.Blocked):
        Context("train.values", InProcess(DropoutLayer), 1).block("init.valid-p", "x")

    def blocks_wrongly(ctx: Context) -> None:
        ctx.block("back.mask-reuse", "not a prerequisite of train.values")

    case = checks.Case(checks.Check("train.values", blocks_wrongly, ({},)), {}, "train.values-fake")
    with pytest.raises(KitError):
        run_case(case, DropoutLayer, 1)


STATEMENT = DOCS / "statement.md"
SHARED_STATEMENT = Path(__file__).parents[2] / "shared" / "seed" / "problem.md"


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_must_clause_quotes_the_statement_words_it_rests_on():
    """A MUST clause demands only what the statement requires: it names the words, and they are there."""
    statement = _flat(STATEMENT.read_text())
    for c in CLAUSES:
        if c.level == "MUST":
            assert c.basis, f"{c.id}: a MUST clause without the statement's words it rests on (Clause.basis)"
        missing = [quote for quote in c.basis if _flat(quote) not in statement]
        assert not missing, f"{c.id}: not in docs/statement.md: {missing}"


@pytest.mark.skipif(not SHARED_STATEMENT.exists(), reason="the shared seed folder is not beside this checkout")
def test_the_statement_page_is_the_statement():
    seed = SHARED_STATEMENT.read_text()
    body = seed[seed.index("## Dropout layer") :]
    assert body.strip() in STATEMENT.read_text()


def test_the_audit_table_in_spec_md_is_current():
    assert spec_clauses.audit_in(SPEC_MD.read_text()) == spec_clauses.audit(), (
        "docs/spec.md's audit of MUST clauses is stale: run python docs/gen/spec_clauses.py --audit"
    )
