"""The routine catalogue: YAML in (`loader`), validated frozen `Routine` values out (`routine`)."""

from routines.catalog.loader import (
    DEFAULT_FILE,
    KINDS,
    PLATFORMS,
    Assignees,
    Catalog,
    CatalogError,
    Escalate,
    Remind,
    Routine,
    Target,
    check_files,
    load_catalog,
)

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
    "load_catalog",
]
