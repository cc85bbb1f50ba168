# Only for `scrapyd-deploy`, which builds its egg with `python setup.py bdist_egg` and writes a conflicting
# setup.py of its own when there is none; all metadata lives in pyproject.toml.
from setuptools import setup

setup()
