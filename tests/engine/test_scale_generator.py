"""bench/scale/generate.py: the scale contract is what the bench claims it is."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from flask_dredd.contract.compiler import documented_transactions
from flask_dredd.contract.shards import plan

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "scale"))

from generate import generate  # noqa: E402


def test_the_default_scale_contract_has_370_transactions_over_100_tables(tmp_path: Path):
    project = generate(tmp_path / "scale")
    compiled = documented_transactions(project / "apiary.apib", ROOT / "node_modules")
    assert len(compiled) == 370
    app = ast.parse((project / "scaleapp" / "__init__.py").read_text())
    models = [n for n in app.body if isinstance(n, ast.ClassDef)]
    assert len(models) == 100
    assert "ForeignKey('t003.id')" in ast.unparse(models[6])  # t007 hangs off t003
    hooks = (project / "hooks" / "fixtures.py").read_text()
    assert "from flask_dredd.fixtures import bind, given" in hooks
    named = set(ast.literal_eval(hooks.split("no_fixtures(*")[1].rsplit(")", 1)[0]))
    bound = ast.parse(hooks).body[-2]  # bind({...}) lists the rest
    listed = {s.value for s in ast.walk(bound) if isinstance(s, ast.Constant)}
    assert {t.name for t in compiled} == named | listed  # every transaction has its data
    shards = plan(compiled, (project / "apiary.apib").read_text(), 8, {})
    assert sorted(p for s in shards for p in s.positions) == list(range(370))
