"""One text or many (analysis/texts.py): a tokenizer given one str pads nothing."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from pooling_lint.analysis.project import ProjectContext
from pooling_lint.analysis.texts import (
    STR,
    Map,
    Resolver,
    Seq,
    Tup,
    annotation_kind,
    calls_in,
    sites_of,
)
from pooling_lint.analysis.values import Tensor

from .conftest import facts_of, line_of, probe_at

_HEAD = """
    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    """


def _kind(src: str, expr_marker: str = "probe(") -> object:
    """The kind of the argument of the (only) ``probe(...)`` call of ``src``."""
    tree = ast.parse(textwrap.dedent(src))
    calls = [
        n
        for n in ast.walk(tree)
        if type(n) is ast.Call and type(n.func) is ast.Name and n.func.id == "probe"
    ]
    assert len(calls) == 1
    return Resolver(tree).kind_at(calls[0].args[0])


def _padded(src: str, marker: str = "probe(enc") -> bool:
    facts = facts_of(_HEAD + src)
    ids = probe_at(facts, line_of(_HEAD + src, marker))
    assert isinstance(ids, Tensor)
    return ids.padding is not None


def test_texts_from_literals_str_calls_and_str_methods() -> None:
    assert _kind('probe("a text")') == STR
    assert _kind('name = "x"\nprobe(f"hello {name}")') == STR
    assert _kind("probe(str(3))") == STR
    assert _kind('probe(input("? "))') == STR
    assert _kind("q = input()\nq = q.strip()\nprobe(q.lower())") == STR  # rebinds itself
    assert _kind('probe("%s!" % x)') == STR
    assert _kind('probe(" ".join(words))') == STR
    assert _kind('probe("abc"[1:])') == STR
    assert _kind('with open("f.txt", encoding="utf-8") as f:\n    probe(f.read())') == STR
    assert _kind('with open("f.bin", "rb") as f:\n    probe(f.read())') is None
    assert _kind("probe(x)") is None  # a name bound nowhere
    assert _kind("probe(texts.strip())") is None  # the receiver is unknown


def test_elements_of_sequences_of_texts() -> None:
    assert _kind('for t in ["a", "b"]:\n    probe(t)') == STR
    assert _kind('for t in "a. b".split(". "):\n    probe(t)') == STR
    assert _kind('for t in open("f.txt"):\n    probe(t)') == STR
    assert _kind('for t in [s.strip() for s in ["a ", "b"]]:\n    probe(t)') == STR
    src = """
        d = {"a": ["x", "y"], "b": ["z"]}
        for key, values in d.items():
            for v in values:
                probe(v)
        """
    assert _kind(src) == STR
    assert _kind('for i, t in enumerate(["a", "b"]):\n    probe(t)') == STR
    assert _kind('probe(["a", "b"])') == Seq(STR)
    assert _kind('xs = ["a", "b"]\nprobe(xs[0:1])') == Seq(STR)
    assert _kind('probe({"k": ["v"]})') == Map(STR, Seq(STR))
    assert _kind('probe(("a", ["b"]))') == Tup((STR, Seq(STR)))


def test_a_mutated_list_or_an_unknown_column_is_unknown() -> None:
    assert _kind('xs = ["a"]\nxs.append(["b", "c"])\nfor t in xs:\n    probe(t)') is None
    assert _kind('xs = ["a"]\nxs[0] = ["b"]\nfor t in xs:\n    probe(t)') is None
    grown = 'xs = ["a"]\ndef grow():\n    xs.append(["b"])\nfor t in xs:\n    probe(t)\n'
    assert _kind(grown) is None  # changed in place by another function
    rebound = 'q = "a"\ndef swap():\n    global q\n    q = ["b"]\nprobe(q)\n'
    assert _kind(rebound) is None
    assert _kind("for t in df['text'].tolist():\n    probe(t)") is None
    assert _kind("for t in rows:\n    probe(t['text'])") is None


def test_declared_types() -> None:
    assert annotation_kind(ast.parse("str", mode="eval").body) == STR
    assert annotation_kind(ast.parse("Optional[str]", mode="eval").body) == STR
    assert annotation_kind(ast.parse("str | None", mode="eval").body) == STR
    assert annotation_kind(ast.parse("List[str]", mode="eval").body) == Seq(STR)
    assert annotation_kind(ast.parse("tuple[str, ...]", mode="eval").body) == Seq(STR)
    assert annotation_kind(ast.parse("Union[str, List[str]]", mode="eval").body) is None
    assert _kind("def f(text: str):\n    probe(text)") == STR
    assert _kind("def f(texts: list[str]):\n    probe(texts)") == Seq(STR)


def test_parameters_by_every_call_site() -> None:
    one = """
        def f(text):
            probe(text)
        f("a")
        for line in open("x.txt"):
            f(line.strip())
        """
    assert _kind(one) == STR
    mixed = one + 'f(["a", "b"])\n'
    assert _kind(mixed) is None
    assert _kind("def f(text):\n    probe(text)") is None  # no call site: unknown callers
    escaped = one + "ys = list(map(f, xs))\n"
    assert _kind(escaped) is None  # passed as a value: called where the file does not show
    decorated = '@app.get("/")\ndef f(text):\n    probe(text)\nf("a")\n'
    assert _kind(decorated) is None  # a framework calls it
    method = 'class A:\n    def f(self, text):\n        probe(text)\nA().f("a")\n'
    assert _kind(method) is None
    default = 'def f(text="a"):\n    probe(text)\nf()\nf(text="b")\n'
    assert _kind(default) == STR
    guarded = 'if __name__ == "__main__":\n    def f(text):\n        probe(text)\n    f("a")\n'
    assert _kind(guarded) is None
    returned = 'def read(p):\n    return open(p).read()\nprobe(read("x"))\n'
    assert _kind(returned) == STR


def test_tokenizer_given_one_text_pads_nothing() -> None:
    one = """
    def encode(question):
        enc = tok(question, padding=True, return_tensors="pt")
        probe(enc["input_ids"])
    for q in ["what?", "why?"]:
        encode(q)
    """
    assert not _padded(one)
    listed = """
    def encode(question):
        enc = tok([question], padding=True, return_tensors="pt")
        probe(enc["input_ids"])
    encode(input())
    """
    assert not _padded(listed)  # a one-element list display: a batch of one
    batch = """
    def encode(questions):
        enc = tok(questions, padding=True, return_tensors="pt")
        probe(enc["input_ids"])
    qs = ["what?", "why?"]
    encode(qs[0:2])
    """
    assert _padded(batch)
    max_length = """
    def encode(question: str):
        enc = tok(question, padding="max_length", max_length=32, return_tensors="pt")
        probe(enc["input_ids"])
    """
    assert _padded(max_length)  # padded to max_length even alone


def test_call_sites_of_other_modules() -> None:
    caller = ast.parse(
        textwrap.dedent(
            """
            import encoder
            from encoder import embed as e
            def search(query: str):
                return e(query)
            vectors = [encoder.embed(d) for d in ["a", "b"]]
            batch = e(["a", "b"])
            """
        )
    )
    names: dict[str, object] = {}
    calls_in(caller, "e", "embed", False, names, None)
    calls_in(caller, "encoder", "", True, names, None)
    embed = names["embed"]
    assert isinstance(embed, list)
    assert sorted(embed, key=repr) == [[["str"], []], [["str"], []], [[{"seq": "str"}], []]]
    ctx = ProjectContext.from_json({"path": "encoder.py", "texts": {"names": names}})
    sites = sites_of(ctx)
    assert sorted(sites("embed"), key=repr) == [((STR,), ()), ((STR,), ()), ((Seq(STR),), ())]
    assert sites("other") is None
    passed: dict[str, object] = {}
    calls_in(ast.parse("import encoder\nrun(encoder)\n"), "encoder", "", True, passed, None)
    assert passed == {"*": "escaped"}
    whole = sites_of(ProjectContext.from_json({"path": "m.py", "texts": {"*": True}}))
    assert whole("embed") == "escaped"
    own = Resolver(
        ast.parse("def f(text):\n    probe(text)\nf('a')\n"),
        lambda name: [((Seq(STR),), ())],  # another module passes a list
    )
    tree = own.index.tree
    call = next(
        n for n in ast.walk(tree) if type(n) is ast.Call and getattr(n.func, "id", "") == "probe"
    )
    assert own.kind_at(call.args[0]) is None


def test_project_pass_gives_the_call_sites_of_other_modules(tmp_path: Path) -> None:
    from pooling_lint.project import Project

    (tmp_path / "encoder.py").write_text(
        "def embed(value):\n    return tok(value, padding=True)\n\n\ndef other(x):\n    pass\n"
    )
    (tmp_path / "search.py").write_text(
        "from encoder import embed\n\n\ndef query(q: str):\n    return embed(q)\n"
    )
    (tmp_path / "index.py").write_text("import encoder\n\nencoder.embed(['a', 'b'][0])\n")
    files = sorted(tmp_path.glob("*.py"))
    texts = Project(files).contexts()[tmp_path / "encoder.py"]["texts"]
    assert sorted(texts["names"]["embed"], key=repr) == [[["str"], []], [["str"], []]]
    # a module that names `embed` without an import the pass follows: unknown callers
    (tmp_path / "batch.py").write_text("import pkg.encoder\n\npkg.encoder.embed(rows)\n")
    files = sorted(tmp_path.glob("*.py"))
    texts = Project(files).contexts()[tmp_path / "encoder.py"]["texts"]
    assert texts["names"]["embed"] == "escaped"


def test_one_text_cut_into_overflowing_windows_is_padded() -> None:
    """``return_overflowing_tokens=True`` turns one text into several rows, the last padded."""
    from pooling_lint.analysis.values import Encoding

    src = """
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    def embed(doc: str):
        probe(tok(doc, padding=True, truncation=True, stride=64, return_overflowing_tokens=True))
        probe2(tok(doc, padding=True, truncation=True))
    """
    from .conftest import facts_of, line_of, probe_at

    facts = facts_of(src)
    windows = probe_at(facts, line_of(src, "probe(tok"))
    one = probe_at(facts, line_of(src, "probe2(tok"), "probe2")
    assert isinstance(windows, Encoding) and windows.ids.padding is not None
    assert isinstance(one, Encoding) and one.ids.padding is None
