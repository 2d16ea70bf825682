"""files.getUploadURLExternal, the upload URL itself, and files.completeUploadExternal: Slack's
current file upload (what slack_sdk's `files_upload_v2` calls), with Slack's errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .chat import postable_channel
from .common import ApiError
from .workspace import Message

if TYPE_CHECKING:
    from .webapi import SlackEmulator

UPLOAD_PATH = "/upload/v1/"
MAX_BYTES = 1024 * 1024 * 1024


@dataclass
class Upload:
    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str = ""
    shared: bool = False

    def to_slack(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "size": len(self.data or b""),
            "mimetype": "text/calendar" if self.filename.endswith(".ics") else "text/plain",
        }


def get_upload_url(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """files.getUploadURLExternal: a one-time URL to send the bytes to, and the file's id."""
    if em.file_uploads_disabled:
        raise ApiError("file_uploads_disabled")
    filename = args.get("filename")
    if not isinstance(filename, str) or not filename.strip():
        raise ApiError("invalid_arguments")
    try:
        length = int(args.get("length") or 0)
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments") from None
    if length <= 0:
        raise ApiError("missing_argument")
    if length > MAX_BYTES:
        raise ApiError("invalid_arguments")
    file_id = em.workspace.new_id("F")
    em.uploads[file_id] = Upload(file_id, filename.strip(), length)
    return {"upload_url": f"{em.base_url}{UPLOAD_PATH}{file_id}", "file_id": file_id}


def receive(em: SlackEmulator, file_id: str, data: bytes) -> tuple[int, dict[str, Any]]:
    """POST to the upload URL: the bytes, once, before the upload is completed."""
    upload = em.uploads.get(file_id)
    if upload is None or upload.shared:
        return 404, {"ok": False, "error": "file_not_found"}
    upload.data = data
    return 200, {"ok": True}


def complete_upload(em: SlackEmulator, args: dict[str, Any]) -> dict[str, Any]:
    """files.completeUploadExternal: share the uploaded files, with a comment, in a channel."""
    files = args.get("files")
    if isinstance(files, str):
        try:
            files = json.loads(files)
        except json.JSONDecodeError:
            raise ApiError("invalid_arguments") from None
    if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
        raise ApiError("invalid_arguments")
    uploads = []
    for item in files:
        upload = em.uploads.get(str(item.get("id") or ""))
        if upload is None or upload.shared or upload.data is None:
            raise ApiError("file_not_found")
        uploads.append((upload, str(item.get("title") or "")))
    channel = None
    if args.get("channel_id"):
        channel = postable_channel(em, str(args["channel_id"]))
    for upload, title in uploads:
        upload.shared, upload.title = True, title
    if channel is not None:
        ws = em.workspace
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        message = Message(
            channel.id,
            ws.next_ts(),
            ws.bot.id,
            str(args.get("initial_comment") or ""),
            None,
            thread_ts,
            bot_id=ws.bot_id,
        )
        message.files = [upload.to_slack() for upload, _ in uploads]
        ws.add_message(message)
    return {"files": [{"id": u.id, "title": u.title or u.filename} for u, _ in uploads]}


METHODS = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
