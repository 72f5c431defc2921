"""The routine catalogue: YAML in (`loader`), validated frozen `Routine` values out (`routine`).

`from routines.catalog import load_catalog, Routine, ...`: callers look here.
"""

from routines.catalog.loader import DEFAULT_FILE, check_files, load_catalog
from routines.catalog.routine import (
    KINDS,
    PLATFORMS,
    Assignees,
    Catalog,
    CatalogError,
    Escalate,
    Remind,
    Routine,
    Target,
)
from routines.catalog.validation import contact_target

__all__ = [
    "DEFAULT_FILE",
    "KINDS",
    "PLATFORMS",
    "Assignees",
    "Catalog",
    "CatalogError",
    "Escalate",
    "Remind",
    "Routine",
    "Target",
    "check_files",
    "contact_target",
    "load_catalog",
]
