"""The models, discovered: every module of this package is imported (which maps its classes and
adds its tables to the metadata) and the names in its ``__all__`` are re-exported, so that
``from csti.models import User`` works everywhere. A new model module declares ``__all__`` and
needs no edit elsewhere (docs/architecture.md §4); a name declared by two modules is an error.
"""
import pkgutil
from importlib import import_module


def _discover() -> list[str]:
    exported: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = import_module(f"{__name__}.{info.name}")
        for name in module.__all__:
            if name in exported:
                raise ImportError(f"csti.models: {name!r} is exported by both {exported[name]} and {module.__name__}")
            exported[name] = module.__name__
            globals()[name] = getattr(module, name)
    return sorted(exported)


__all__ = _discover()
