"""The client directory: the companies a customer-service company answers for.

Each client is the controller (personuppgiftsansvarig) for its customers; the service
company is its processor. The directory (YAML files named by `GDPRBOT_CLIENTS`) says which
controller to name to a caller, where a rights request goes and how fast, what the agent
says, and how long the client keeps what; a chat feature asks it which client a question is
about (channel, name in the question) and fills `{{client.X}}` placeholders in answers.

Pure: this package imports only the standard library and PyYAML.
"""

from __future__ import annotations

from clients.directory import Directory, Resolution, UnknownClient
from clients.loader import (
    EXAMPLE_DIR,
    ClientsError,
    check_directory,
    client_files,
    load_directory,
)
from clients.model import LANGS, Client, Lang, Retention, RightsRequests, Texts
from clients.names import Mention, fold
from clients.placeholders import (
    FALLBACK,
    PLACEHOLDERS,
    fill,
    forward_within,
    placeholder_values,
    placeholders_in,
    render,
    retention_list,
    rights_contact,
    unknown_placeholders,
)
from clients.yamlnodes import Problem

__all__ = [
    "EXAMPLE_DIR",
    "FALLBACK",
    "LANGS",
    "PLACEHOLDERS",
    "Client",
    "ClientsError",
    "Directory",
    "Lang",
    "Mention",
    "Problem",
    "Resolution",
    "Retention",
    "RightsRequests",
    "Texts",
    "UnknownClient",
    "check_directory",
    "client_files",
    "fill",
    "fold",
    "forward_within",
    "load_directory",
    "placeholder_values",
    "placeholders_in",
    "render",
    "retention_list",
    "rights_contact",
    "unknown_placeholders",
]
