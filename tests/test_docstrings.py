"""Every public name has a numpydoc-complete docstring (numpydoc's validator)."""

import inspect

import pytest

validate = pytest.importorskip("numpydoc.validate").validate

import skstop  # noqa: E402
from skstop import criteria  # noqa: E402

# Checks not applied: an extended summary, See Also and Examples are welcome
# but not required everywhere (ES01, SA01, EX01); objects without a docstring
# of their own (GL08) are inherited helpers; and returns are written
# scikit-learn's way, "self : object" (RT02).
IGNORED = {"ES01", "SA01", "EX01", "GL08", "RT02"}


def public_objects():
    names = [(skstop, name) for name in skstop.__all__ if name not in ("criteria", "__version__")]
    names += [(criteria, name) for name in criteria.__all__]
    for module, name in names:
        obj = getattr(module, name)
        yield f"{module.__name__}.{name}"
        if inspect.isclass(obj):
            for method, member in vars(obj).items():
                is_method = callable(member) or isinstance(member, classmethod)
                if is_method and not method.startswith("_"):
                    yield f"{module.__name__}.{name}.{method}"


@pytest.mark.parametrize("name", sorted(set(public_objects())))
def test_docstring_is_numpydoc_valid(name):
    result = validate(name)
    errors = [(code, message) for code, message in result["errors"] if code not in IGNORED]
    assert not errors, f"{name}: {errors}"
