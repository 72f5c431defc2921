"""The garbage collector while a command builds the bot (`run`, `chat`) or its answerer (`ask`).

Start-up imports about a thousand modules and builds the knowledge index: hundreds of
thousands of objects, all long-lived. With the collector on, the older generations are
walked again and again as they grow (measured: about 15 % of the CPU time to ready) to
find some 8,000 objects of garbage, well under 1 MB. So it is off while building; then
everything alive is frozen (`gc.freeze`: later collections never walk it, as the answerer
wants for question latency) and the collector is back on for the running bot.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_collection_while_starting() -> Iterator[None]:
    """Collector off inside; on leaving, what exists is frozen and it is switched back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
