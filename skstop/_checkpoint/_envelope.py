"""Signed JSON envelopes: how manifests and rung records are written and read.

An envelope is ``{"body": <JSON text>, "signature": <HMAC of the body>}``:
the body is verified as the very bytes that were signed, then parsed. JSON
only, never unpickled.
"""

import json

from ._durable import atomic_write, read_file
from ._signing import is_signed, sign


class EnvelopeError(ValueError):
    """An envelope that cannot be read: missing fields, not JSON, unreadable."""


class UnsignedEnvelope(ValueError):
    """An envelope whose signature is not the given key's."""


def write_envelope(path, body, key):
    """Write ``body`` (JSON-ready) to ``path``, signed with ``key``, atomically."""
    body_text = json.dumps(body, sort_keys=True)
    envelope = {"body": body_text, "signature": sign(body_text.encode(), key)}
    atomic_write(path, json.dumps(envelope).encode())


def read_envelope(path, key):
    """The body text of the envelope at ``path``, once its signature is ``key``'s.

    ``key`` None accepts any signature (a caller who trusts the file). Raises
    FileNotFoundError, EnvelopeError, or UnsignedEnvelope.
    """
    try:
        envelope = json.loads(read_file(path))
        body_text, signature = envelope["body"], envelope["signature"]
        if not isinstance(body_text, str) or not isinstance(signature, str):
            raise TypeError("body and signature must be strings")
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise EnvelopeError(str(error)) from error
    if key is not None and not is_signed(body_text.encode(), signature, key):
        raise UnsignedEnvelope(path)
    return body_text
