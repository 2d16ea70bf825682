"""The hiring team's documents, read as written and validated before anything uses them."""

from bot.documents.library import Library, check_documents, load_deployed, load_library
from bot.documents.source import DocumentError, DocumentErrors

__all__ = [
    "DocumentError",
    "DocumentErrors",
    "Library",
    "check_documents",
    "load_deployed",
    "load_library",
]
