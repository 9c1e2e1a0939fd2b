"""``--format sarif``: valid SARIF 2.1.0 that a real consumer (sarif-tools) reads back."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
from sarif import loader

from pooling_lint.report.sarif import DEFAULT_DOCS_URL, DOCS_URL_ENV, rule_doc_url
from pooling_lint.rules import ENGINE_CODES, all_rules

from .conftest import BUGGY, run_module

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _project(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(BUGGY)
    # A syntax error is only reported in a file that could hold a finding at all.
    (tmp_path / "pkg" / "broken.py").write_text(BUGGY + "def f(:\n")
    (tmp_path / "pkg" / "clean.py").write_text("import torch\n")


def test_sarif_is_valid_and_complete(cli, tmp_path: Path, validator) -> None:
    _project(tmp_path)
    result = cli("check", "--format", "sarif", "pkg")
    assert result.exit_code == 1
    log = json.loads(result.output)
    validator.validate(log)

    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "pooling-lint"
    assert driver["version"]
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted([*ENGINE_CODES, *(r.code for r in all_rules())])
    plg302 = driver["rules"][ids.index("PLG302")]
    assert plg302["name"] == "deprecated-reduction-args"
    assert plg302["shortDescription"]["text"]
    assert "reduction_indices" in plg302["fullDescription"]["text"]
    assert plg302["help"]["markdown"].startswith("# deprecated-reduction-args (PLG302)")
    assert plg302["helpUri"] == DEFAULT_DOCS_URL + "PLG302.md"
    for uri in [driver["informationUri"], *(r["helpUri"] for r in driver["rules"])]:
        parts = urlparse(uri)  # the schema says "format": "uri": absolute
        assert parts.scheme == "https" and parts.netloc, uri

    results = log["runs"][0]["results"]
    by_code = {r["ruleId"]: r for r in results}
    assert set(by_code) == {"PLG000", "PLG302"}
    finding = by_code["PLG302"]
    assert finding["level"] == "warning"
    assert by_code["PLG000"]["level"] == "error"
    assert driver["rules"][finding["ruleIndex"]]["id"] == "PLG302"
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/model.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 4, "startColumn": 12, "endLine": 4,
                                  "endColumn": 54}
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == tmp_path.resolve().as_uri() + "/"


def test_sarif_tools_reads_it_back(cli, tmp_path: Path) -> None:
    _project(tmp_path)
    out = tmp_path / "out.sarif"
    out.write_text(cli("check", "--format", "sarif", "pkg").output)
    sarif_file = loader.load_sarif_file(str(out))
    assert sarif_file.get_distinct_tool_names() == ["pooling-lint"]
    records = {
        (r["Code"].split(" ")[0], r["Location"], r["Line"]) for r in sarif_file.get_records()
    }
    assert ("PLG302", "pkg/model.py", 4) in records
    assert sarif_file.get_result_count() == 2
    # The command-line client too.
    summary = run_module("sarif", "summary", str(out), cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr
    assert "PLG302" in summary.stdout


def test_no_findings_is_still_a_valid_log(cli, tmp_path: Path, validator) -> None:
    (tmp_path / "clean.py").write_text("import torch\n")
    result = cli("check", "--format", "sarif", "clean.py")
    assert result.exit_code == 0
    log = json.loads(result.output)
    validator.validate(log)
    assert log["runs"][0]["results"] == []


def test_docs_url_is_configurable(cli, tmp_path: Path, monkeypatch, validator) -> None:
    (tmp_path / "model.py").write_text(BUGGY)
    monkeypatch.setenv(DOCS_URL_ENV, "https://example.org/fork/docs/rules")
    log = json.loads(cli("check", "--format", "sarif", "model.py").output)
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].startswith(
        "https://example.org/fork/docs/rules/PLG"
    )
    log = json.loads(
        cli("check", "--format", "sarif", "--docs-url", "https://x.test/d/", "model.py").output
    )
    validator.validate(log)
    assert all(r["helpUri"].startswith("https://x.test/d/PLG")
               for r in log["runs"][0]["tool"]["driver"]["rules"])
    assert rule_doc_url("PLG101", "https://a.test/b") == "https://a.test/b/PLG101.md"


def test_notebook_findings_carry_the_cell(cli, tmp_path: Path, validator) -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# x"), nbformat.v4.new_code_cell(BUGGY)]
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))
    log = json.loads(cli("check", "--format", "sarif", "nb.ipynb").output)
    validator.validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["properties"]["cell"] == 2
    assert result["message"]["text"].startswith("cell 2: ")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


PADDED = (
    "import torch\n"
    "from torch.nn.utils.rnn import pad_sequence\n"
    "def embed(seqs):\n"
    "    x = pad_sequence(seqs, batch_first=True)\n"
    "    return x.mean(dim=1)\n"
)


def test_evidence_is_emitted_as_related_locations(cli, tmp_path: Path, validator) -> None:
    """The padding a message names is a structured location a SARIF viewer can jump to."""
    (tmp_path / "model.py").write_text(PADDED)
    result = cli("check", "--format", "sarif", "--no-cache", "model.py")
    log = json.loads(result.output)
    validator.validate(log)
    (finding,) = log["runs"][0]["results"]
    assert finding["ruleId"] == "PLG101"
    (related,) = finding["relatedLocations"]
    region = related["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (4, 9)
    assert (region["endLine"], region["endColumn"]) == (4, 45)
    assert related["message"]["text"] == "`pad_sequence(seqs, batch_first=True)`"
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith("model.py")
    # and it survives the cache: a warm run reports the same locations
    cli("check", "--format", "sarif", "model.py")
    warm = json.loads(cli("check", "--format", "sarif", "model.py").output)
    assert warm["runs"][0]["results"][0]["relatedLocations"] == finding["relatedLocations"]


def test_findings_without_evidence_have_no_related_locations(cli, tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(BUGGY)
    log = json.loads(cli("check", "--format", "sarif", "pkg").output)
    (finding,) = log["runs"][0]["results"]
    assert finding["ruleId"] == "PLG302" and "relatedLocations" not in finding
