"""Schemathesis hooks for the API fuzzing step of `cargo xtask test` (see xtask/src/test.rs).

Loaded through the SCHEMATHESIS_HOOKS environment variable.
"""

import re
import uuid

import schemathesis

# What the server accepts as an Idempotency-Key: 1 to 255 visible ASCII characters.
VALID_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(context, case, kwargs):
    """Gives every request that carries a well-formed Idempotency-Key a fresh one.

    Generated keys repeat a lot ("0", "00", ...), and a key reused for a different request is
    rightly refused with 422 before the handler runs, so most mutating requests would never reach
    the code under test. Malformed keys are kept, to still exercise that refusal.
    """
    headers = case.headers
    if not headers:
        return
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.fullmatch(value):
            headers[name] = f"st-{uuid.uuid4()}"
