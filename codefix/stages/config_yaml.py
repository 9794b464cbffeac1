"""A RunConfig as YAML that shows every knob with its doc (the field docstrings as comments);
`yaml.safe_load` of it gives the config back."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from functools import cache

from pydantic import BaseModel


@cache
def field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under each field of `cls` and of its bases."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, BaseModel)) or klass is BaseModel:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body
        for node, after in zip(body, body[1:]):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)):
                docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def commented_yaml(config: BaseModel) -> str:
    """Every field of `config`, nested models as mappings, each preceded by its doc."""
    return "".join(_lines(config, 0))


def _lines(model: BaseModel, depth: int):
    docs = field_docs(type(model))
    pad = "  " * depth
    for name in type(model).model_fields:
        value = getattr(model, name)
        for line in textwrap.wrap(docs.get(name, ""), 100 - len(pad)):
            yield f"{pad}# {line}\n"
        if isinstance(value, BaseModel):
            yield f"{pad}{name}:\n"
            yield from _lines(value, depth + 1)
        else:
            yield f"{pad}{name}: {json.dumps(_plain(value), ensure_ascii=False)}\n"


def _plain(value):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
