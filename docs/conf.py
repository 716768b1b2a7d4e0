"""Sphinx configuration: numpydoc API reference and a sphinx-gallery of examples."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import skstop  # noqa: E402

project = "skstop"
author = "the skstop developers"
release = version = skstop.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_heading_anchors = 2
autosummary_generate = True
# The set_*_request methods come from scikit-learn's metadata routing, with
# docstrings that point into scikit-learn's own glossary.
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    "exclude-members": "set_fit_request, set_score_request, set_partial_fit_request",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
intersphinx_mapping = {}  # the build machine may have no network

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
}

html_theme = "alabaster"
html_static_path = ["_static"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py.md5"]
# Docstrings inherited from scikit-learn (BaseSearchCV's n_features_in_ ...)
# use its glossary (:term:`fit`), which exists only in scikit-learn's docs.
suppress_warnings = ["config.cache", "ref.term"]
