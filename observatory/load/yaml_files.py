"""The root's YAML files, read safely: a key given twice, a date not in the calendar, an integer beyond any
figure or a nesting too deep is a problem named in the user's words, never a traceback."""

from __future__ import annotations

from pathlib import Path

import yaml

from observatory.errors import DescribedText, Problem, Text
from observatory.root_paths import rel

# libyaml's parser, where PyYAML was built with it: 10 to 20 times faster on large coalition files.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):
    """YAML loader that refuses a key given twice (the second would silently win)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a list or mapping is used as a key", key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice", key_node.start_mark
            )
        seen[key] = True
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


def _construct_timestamp(loader: _UniqueKeyLoader, node: yaml.ScalarNode):
    """An unquoted date; one that isn't in the calendar (2019-02-30) is kept as typed, for the date checks to name."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


# Far beyond any figure (and any float): such an integer is kept as typed, for the number checks to name;
# turning it into text later would hit Python's limit on int-to-text conversion (4,300 digits).
_MAX_INT_BITS = 1024


def _construct_int(loader: _UniqueKeyLoader, node: yaml.ScalarNode):
    try:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:  # more digits than Python converts
        return loader.construct_scalar(node)
    return value if value.bit_length() <= _MAX_INT_BITS else loader.construct_scalar(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


# Profiles nest 4 levels (targets[0].baseline.date); far deeper values can't even be shown in a message.
MAX_DEPTH = 50


def _depth(data: object) -> int:
    """How deeply lists and mappings nest (without recursion: the nesting may be thousands deep)."""
    deepest, stack, seen = 0, [(data, 1)], set()
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (dict, list)) or id(value) in seen:
            continue
        seen.add(id(value))  # an alias may point back at its parent (&a [*a])
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def read_yaml(path: Path, root: Path, problems: list[Problem]):
    """Parse one YAML file; on failure note a problem and return None."""
    name = rel(path, root)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, value=Text("byte_at", byte=f"{exc.object[exc.start]:02x}", offset=exc.start),
                                expected=Text("utf8")))
        return None
    except OSError as exc:
        problems.append(Problem(name, value=exc.strerror, expected=Text("readable")))
        return None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        depth = _depth(data)
        if depth > MAX_DEPTH:
            problems.append(Problem(name, value=Text("nested_deep", depth=MAX_DEPTH),
                                    expected=Text("yaml_depth", depth=MAX_DEPTH)))
            return None
        return data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(name, line=line, value=what, expected=Text("valid_yaml")))
        return None
    except Exception as exc:  # noqa: BLE001 - any value PyYAML can't build (!!bool maybe...): named, no traceback
        problems.append(Problem(name, value=f"{type(exc).__name__}: {exc}", expected=Text("valid_yaml")))
        return None


def read_mapping(path: Path, root: Path, problems: list[Problem], keys: tuple[str, ...]) -> dict | None:
    """A YAML file that must hold a mapping of ``keys``; an empty file is a problem, not an empty mapping."""
    name = rel(path, root)
    before = len(problems)
    data = read_yaml(path, root, problems)
    if len(problems) > before:
        return None
    if data is None:
        problems.append(Problem(name, value=DescribedText("empty_file"),
                                expected=Text("mapping_of_keys_list", keys=", ".join(keys))))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(name, value=type(data).__name__, expected=Text("mapping_of_keys")))
        return None
    return data
