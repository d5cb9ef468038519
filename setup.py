"""Build hook: ship reference-stack/ inside the package as obslint/data/reference-stack.

reference-stack/ stays the single source of truth in the repository; `obslint init` reads the
packaged copy in an installed wheel and reference-stack/ itself in a source checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

STACK = Path(__file__).resolve().parent / "reference-stack"


class BuildPyWithStack(build_py):
    def run(self):
        super().run()
        if not STACK.is_dir():
            raise SystemExit("reference-stack/ is missing: the package would ship without it")
        dest = Path(self.build_lib) / "obslint" / "data" / "reference-stack"
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(STACK, dest, ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildPyWithStack})
