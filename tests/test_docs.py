"""docs/: every example in every page runs, and every worked premium is the one lotrate computes.

How a page is read (the conventions are also stated in ``docs/index.md``, "About these pages"):

- A fence whose info string has ``file=NAME`` (```` ```json file=lot.geojson ````) is a file the examples use:
  it is written into the page's temporary working folder before any example runs. With ``premium=N`` (HK$,
  or ``none`` for "no premium") the test also assesses that file with :func:`lotrate.assess` and compares;
  with ``verdict=V`` it compares the verdict too, once assessments carry one.
- A ```` ```python ```` fence is a doctest (``>>>`` prompts; ELLIPSIS and NORMALIZE_WHITESPACE). The blocks
  of one page share their names, in page order.
- A ```` ```console ```` fence holds ``$ lotrate ...`` (or ``$ cat FILE``) lines, each followed by the output
  a terminal shows (stdout and stderr), ``...`` matching anything (the spaces around it included).
  ``VAR=value`` before the command sets an environment variable, ``> FILE`` sends stdout to a file,
  ``2> /dev/null`` hides stderr, and a trailing ``; echo $?`` prints the exit code (without it, the command
  must exit 0).
- ``requires=VERB`` on a python or console fence marks an example of a feature still landing: it runs only
  when ``lotrate VERB --help`` succeeds (``requires=lotrate.NAME``: when the package has that attribute), and
  is skipped otherwise, with the reason shown by ``pytest -rs``.

Every page needs at least one example that always runs. No page may send a reader outside the package (a
repository path) or to design notes that are not shipped.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

import lotrate
from lotrate.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
STATUS = re.compile(r"\s*;\s*echo\s+\$\?\s*$")


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the fence's first body line
    lang: str
    attrs: dict[str, str]
    body: str

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"

    @property
    def requires(self) -> str | None:
        return self.attrs.get("requires")

    @property
    def runnable(self) -> bool:
        return self.lang in ("python", "console")


@dataclass
class Page:
    path: Path
    blocks: list[Block] = field(default_factory=list)

    @property
    def files(self) -> list[Block]:
        return [b for b in self.blocks if "file" in b.attrs]

    @property
    def examples(self) -> list[Block]:
        return [b for b in self.blocks if b.runnable]


def parse_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    page = Page(path)
    for m in FENCE.finditer(text):
        info = m.group(1).strip()
        words = shlex.split(info) if info else []
        lang = words[0] if words and "=" not in words[0] else ""
        attrs = dict(w.split("=", 1) for w in words if "=" in w)
        line = text.count("\n", 0, m.start(2)) + 1
        page.blocks.append(Block(path, line, lang, attrs, m.group(2)))
    return page


@cache
def available(requirement: str) -> bool:
    """Whether a feature still landing is there: ``lotrate VERB --help`` succeeds, or ``lotrate.NAME`` exists."""
    if requirement.startswith("lotrate."):
        obj: object = lotrate
        for name in requirement.split(".")[1:]:
            fields = getattr(obj, "__dataclass_fields__", {})
            if name in fields:  # a dataclass field has no class attribute
                obj = fields[name]
                continue
            try:
                obj = getattr(obj, name)
            except AttributeError:
                return False
        return True
    result = CliRunner().invoke(main, [*requirement.split("."), "--help"])
    return result.exit_code == 0


# --- running examples ----------------------------------------------------------------------------------


def _matches(want: str, got: str) -> bool:
    """Doctest matching, except that an ellipsis also takes the whitespace around it ("a ... b" matches "a b")."""
    want = re.sub(r"[ \t]*\.\.\.[ \t]*", "...", want)
    return doctest.OutputChecker().check_output(want, got, FLAGS)


def _norm(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def run_console(block: Block) -> list[str]:
    """Run the commands of a console block in the current folder; return the failures."""
    failures: list[str] = []
    commands: list[tuple[int, str, list[str]]] = []
    lines = block.body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            if line.strip():
                failures.append(f"{block.where}+{i}: output line before any '$ ' command: {line!r}")
            i += 1
            continue
        start, cmd = i, line[2:]
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        i += 1
        want: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            want.append(lines[i])
            i += 1
        while want and not want[-1].strip():
            want.pop()
        commands.append((block.line + start, cmd, want))
    for line_no, cmd, want in commands:
        where = f"{block.page.name}:{line_no}"
        show_status = bool(STATUS.search(cmd))
        words = shlex.split(STATUS.sub("", cmd))
        env: dict[str, str] = {}
        while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
            key, value = words.pop(0).split("=", 1)
            env[key] = value
        stdout_to = stderr_to = None
        args: list[str] = []
        it = iter(words)
        for w in it:
            if w == ">":
                stdout_to = next(it)
            elif w == "2>":
                stderr_to = next(it)
            else:
                args.append(w)
        if not args:
            failures.append(f"{where}: empty command")
            continue
        if args[0] == "cat":
            got = "".join(Path(a).read_text(encoding="utf-8") for a in args[1:])
            code = 0
            out = err = ""
        elif args[0] == "lotrate":
            result = CliRunner().invoke(main, args[1:], env=env or None, catch_exceptions=True, prog_name="lotrate")
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                import traceback

                tb = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
                failures.append(f"{where}: $ {cmd}\n  raised {result.exception!r}\n{tb}")
                continue
            code, out, err = result.exit_code, result.stdout, result.stderr
            got = result.output
            if stdout_to is not None:
                if stdout_to != "/dev/null":
                    Path(stdout_to).write_text(out, encoding="utf-8")
                got = err
            if stderr_to is not None:
                got = out if stdout_to is None else ""
        else:
            failures.append(f"{where}: only 'lotrate ...' and 'cat FILE' can run in a docs example: {cmd!r}")
            continue
        if show_status:
            got = _norm(got) + f"{code}\n"
        elif code != 0:
            failures.append(f"{where}: $ {cmd}\n  exit code {code} (add '; echo $?' if that is intended)\n{got}")
            continue
        want_text = _norm("\n".join(want))
        if not _matches(want_text, _norm(got)):
            failures.append(f"{where}: $ {cmd}\n--- expected ---\n{want_text}--- got ---\n{_norm(got)}")
    return failures


def run_python(block: Block, globs: dict[str, object]) -> list[str]:
    """Run a python block as a doctest with ``globs`` (kept for the next block of the page)."""
    test = doctest.DocTestParser().get_doctest(block.body, globs, block.where, str(block.page), block.line - 1)
    if not test.examples:
        return [f"{block.where}: a python block with no '>>>' example (docs show runnable examples only)"]
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test, out=report.append, clear_globs=False)
    globs.update(test.globs)  # DocTest works on a copy: keep the names for the page's next block
    return ["".join(report)] if runner.failures else []


def check_premium(block: Block) -> list[str]:
    """A worked example's premium (and verdict) as lotrate computes it, against what the page states."""
    stated = block.attrs.get("premium")
    if stated is None:
        return []
    a = lotrate.assess(block.attrs["file"])
    want = None if stated.lower() == "none" else Decimal(stated.replace(",", "").replace("_", ""))
    out = []
    if a.premium_hkd != want:
        out.append(
            f"{block.where}: {block.attrs['file']}: the page states premium {stated}, lotrate.assess gives "
            f"{a.premium_hkd}"
        )
    verdict = block.attrs.get("verdict")
    if verdict is not None and hasattr(a, "verdict") and a.verdict != verdict:
        out.append(
            f"{block.where}: {block.attrs['file']}: the page states verdict {verdict}, lotrate.assess gives {a.verdict}"
        )
    return out


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working folder, made current; the environment is restored afterwards."""
    monkeypatch.chdir(tmp_path)
    saved = dict(os.environ)
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)


def write_files(page: Page, folder: Path) -> None:
    for b in page.files:
        target = folder / b.attrs["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(b.body, encoding="utf-8")


PARSED = {p.name: parse_page(p) for p in PAGES}
GATED = [b for p in PARSED.values() for b in p.examples if b.requires]


def test_docs_exist() -> None:
    names = set(PARSED)
    assert {"index.md", "lot-file.md", "outputs.md", "cli.md", "rates.md", "layers.md", "python.md"} <= names


@pytest.mark.parametrize("name", sorted(PARSED))
def test_page_examples_run(name: str, workdir: Path) -> None:
    page = PARSED[name]
    runs = [b for b in page.examples if not b.requires]
    assert runs, f"docs/{name} has no example that runs (a ```python >>> or ```console $ block)"
    write_files(page, workdir)
    globs: dict[str, object] = {"__name__": f"docs.{name}"}
    failures: list[str] = []
    for b in page.blocks:
        if b.requires:
            continue
        if b.lang == "python":
            failures += run_python(b, globs)
        elif b.lang == "console":
            failures += run_console(b)
    for b in page.files:
        failures += check_premium(b)
    assert not failures, "\n\n".join(failures)


def test_no_example_is_gated() -> None:
    """Every feature the docs show exists: no example waits behind ``requires=`` (so none is skipped)."""
    assert not GATED, [b.where for b in GATED]



@pytest.mark.parametrize("name", sorted(PARSED))
def test_page_fences_are_known(name: str) -> None:
    """Every fence is a file, an example, or plain text: no python or console block that the test would skip."""
    bad = [b.where for b in PARSED[name].blocks if b.lang == "console" and "$ " not in b.body]
    bad += [b.where for b in PARSED[name].blocks if b.lang == "python" and ">>>" not in b.body]
    bad += [b.where for b in PARSED[name].blocks if "premium" in b.attrs and "file" not in b.attrs]
    assert not bad, f"fences that would never run: {bad}"


SHARED = "/".join(("..", "shared"))
FORBIDDEN = [
    re.compile(re.escape(SHARED)),
    re.compile(re.escape("/work/" + "shared")),
    re.compile(r"\bDESIGN\b"),
    re.compile(r"REFERENCE\.md"),
    re.compile(r"(?<![\w.-])(?:data|src|scripts|tests|notebooks|benchmarks)/[\w./-]+"),  # repository paths
]


@pytest.mark.parametrize("name", sorted(PARSED))
def test_page_stays_inside_the_package(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    found = [m.group(0) for rx in FORBIDDEN for m in rx.finditer(text)]
    assert not found, f"docs/{name} points outside what a user has: {found}"


def _anchors(text: str) -> set[str]:
    out = set()
    for m in re.finditer(r"^#+\s+(.*)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


@pytest.mark.parametrize("name", sorted(PARSED))
def test_page_links_resolve(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    broken = []
    for m in re.finditer(r"\]\(([^)\s]+)\)", text):
        target = m.group(1)
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = DOCS / file if file else DOCS / name
        if not path.is_file() or (anchor and anchor not in _anchors(path.read_text(encoding="utf-8"))):
            broken.append(target)
    assert not broken, f"docs/{name}: broken links {broken}"


def test_help_points_to_the_docs() -> None:
    result = CliRunner().invoke(main, ["--help"], prog_name="lotrate")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "docs/" in text
    for name in re.findall(r"[\w-]+\.md", text):
        assert (DOCS / name).is_file(), f"--help names docs/{name}, which does not exist"
