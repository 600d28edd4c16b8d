"""``csti.models`` discovers its modules (docs/architecture.md §4): every module of the package is
imported and re-exports its ``__all__``, so a new model file needs no edit elsewhere — and one
that forgets to declare a class or table in its ``__all__`` fails here."""
import ast
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

from sqlalchemy import Table

import csti.models
from csti.extensions import db


def _model_modules():
    return sorted(info.name for info in pkgutil.iter_modules(csti.models.__path__))


def _defined_names(module) -> list[str]:
    """The public names a module's own body binds (classes, assignments), not those it imports."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    names += [target.id for node in tree.body if isinstance(node, ast.Assign)
              for target in node.targets if isinstance(target, ast.Name)]
    return [name for name in names if not name.startswith("_")]


def test_every_module_of_the_package_is_imported():
    names = _model_modules()
    assert {"accounts", "content", "events", "base"} <= set(names)
    for name in names:
        assert f"csti.models.{name}" in sys.modules, name


def test_every_class_and_table_of_a_model_module_is_exported():
    for name in _model_modules():
        module = importlib.import_module(f"csti.models.{name}")
        assert isinstance(module.__all__, list), f"csti.models.{name} declares no __all__"
        defined = {key: getattr(module, key) for key in _defined_names(module)}
        defined = {key: value for key, value in defined.items()
                   if (inspect.isclass(value) and issubclass(value, db.Model))
                   or (isinstance(value, Table) and value.metadata is db.metadata)}
        for key, value in defined.items():
            assert key in module.__all__, f"csti.models.{name}.{key} is not in its __all__"
            assert getattr(csti.models, key) is value
        for key in module.__all__:
            assert key in csti.models.__all__ and getattr(csti.models, key) is getattr(module, key)


def test_every_mapped_class_comes_from_an_exported_name():
    mapped = {mapper.class_ for mapper in db.Model.registry.mappers}
    exported = {id(getattr(csti.models, key)) for key in csti.models.__all__}
    mapped = {cls for cls in mapped if id(cls) not in exported}
    assert not mapped, sorted(cls.__name__ for cls in mapped)


def test_a_name_exported_twice_is_refused(tmp_path, monkeypatch):
    package = tmp_path / "twice"
    package.mkdir()
    (package / "__init__.py").write_text(Path(csti.models.__file__).read_text(encoding="utf-8"))
    (package / "one.py").write_text('__all__ = ["Thing"]\nThing = 1\n')
    (package / "two.py").write_text('__all__ = ["Thing"]\nThing = 2\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        importlib.import_module("twice")
    except ImportError as error:
        assert "'Thing' is exported by both twice.one and twice.two" in str(error)
    else:
        raise AssertionError("a name exported by two modules was accepted")
    finally:
        for key in [k for k in sys.modules if k == "twice" or k.startswith("twice.")]:
            del sys.modules[key]
