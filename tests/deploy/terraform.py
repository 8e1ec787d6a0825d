"""deploy/terraform parsed with python-hcl2 (Terraform itself is not installable here), in a
shape the tests can query: resources by type and name, variables, locals, outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import hcl2

from tests.conftest import REPO

TERRAFORM = REPO / "deploy" / "terraform"
OPTIONS = hcl2.SerializationOptions(
    strip_string_quotes=True, explicit_blocks=False, with_comments=False
)
#: ``google_x.name`` / ``data.google_x.name`` inside an expression.
REFERENCE = re.compile(r"(?<![\w.])(data\.)?(google_[a-z0-9_]+)\.([a-z0-9_]+)")


@dataclass(frozen=True)
class Config:
    texts: dict[str, str]  # file name -> source text
    resources: dict[str, dict[str, dict]]  # type -> name -> body
    data: dict[str, dict[str, dict]]
    variables: dict[str, dict]
    locals: dict[str, object]
    outputs: dict[str, dict]
    terraform: list[dict]

    def resource(self, kind: str, name: str) -> dict:
        return self.resources[kind][name]

    def of_type(self, kind: str) -> dict[str, dict]:
        return self.resources.get(kind, {})

    def default(self, variable: str) -> object:
        return self.variables[variable].get("default")


def _merge(into: dict, labelled: list[dict]) -> None:
    for item in labelled:
        for kind, named in item.items():
            for name, body in named.items():
                assert name not in into.setdefault(kind, {}), f"{kind}.{name} defined twice"
                into[kind][name] = body


@cache
def load(directory: Path = TERRAFORM) -> Config:
    texts, resources, data, variables, local_values, outputs, terraform = {}, {}, {}, {}, {}, {}, []
    for path in sorted(directory.glob("*.tf")):
        texts[path.name] = path.read_text(encoding="utf-8")
        parsed = hcl2.loads(texts[path.name], serialization_options=OPTIONS)
        _merge(resources, parsed.get("resource", []))
        _merge(data, parsed.get("data", []))
        for block in parsed.get("variable", []):
            variables.update(block)
        for block in parsed.get("output", []):
            outputs.update(block)
        for block in parsed.get("locals", []):
            local_values.update(block)
        terraform.extend(parsed.get("terraform", []))
    return Config(texts, resources, data, variables, local_values, outputs, terraform)


def block(body: dict, key: str) -> dict:
    """The single nested block ``key`` of a resource body."""
    (inner,) = body[key]
    return inner


def references(expression: object) -> set[tuple[str, str]]:
    """The (type, name) of every resource or data source an expression refers to."""
    return {(m.group(2), m.group(3)) for m in REFERENCE.finditer(str(expression))}


def reference(expression: object) -> tuple[str, str]:
    """The one resource an expression refers to."""
    (found,) = references(expression)
    return found


_INTERPOLATION = re.compile(r"\$\{(local|var|path)\.([a-z0-9_]+)\}")


def render(config: Config, expression: object) -> str:
    """A string expression with ``${local.x}``, ``${var.x}`` (its default) and
    ``${path.module}`` substituted, as far as they are plain strings."""
    text = str(expression)
    for _ in range(10):  # locals may refer to locals

        def value(match: re.Match) -> str:
            kind, name = match.groups()
            if kind == "path":
                return str(TERRAFORM)
            found = config.locals.get(name) if kind == "local" else config.default(name)
            return str(found) if found is not None else match.group(0)

        rendered = _INTERPOLATION.sub(value, text)
        if rendered == text:
            return text
        text = rendered
    return text


def file_argument(config: Config, expression: object) -> Path:
    """The file a ``file("...")`` expression (possibly behind a local) reads."""
    match = re.search(r'file\("([^"]+)"\)', render(config, expression))
    assert match, f"not a file(...) expression: {expression}"
    return Path(match.group(1)).resolve()
