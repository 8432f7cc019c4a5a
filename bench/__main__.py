"""Run every benchmark module's main() in turn (modules are discovered, not listed)."""

import importlib
import pkgutil
import sys

import bench


def main() -> int:
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if hasattr(module, "main"):
            print(f"== bench.{info.name}", flush=True)
            module.main()
            print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
