"""Documents attached to instances: where their bytes are kept, what is accepted, and the rows.

  content.py      the type of a file read from its first bytes (the name and the browser's
                  type are the sender's word)
  storage.py      where the bytes live: a directory (default) or any backend with put/get/delete
  scan.py         the virus-scan hook: a configured command run on each upload
  store.py        DocumentStore: the settings (storage, size limit, scan) of one app, carried by
                  every session it makes (session.info), and the after-commit file deletions
  attachments.py  checking and keeping uploads, finding them, disposing of them with a record
"""
from documents.attachments import (UploadRefused, add_attachment, attachment_ids_in,
                                   attachments_of_instance, attachments_of_record,
                                   attachments_of_task, check_upload, dispose_attachments,
                                   read_attachment, visible_attachment)
from documents.content import ACCEPTED_TYPES, sniff_type
from documents.store import SESSION_KEY, DocumentStore, store_of
from documents.storage import LocalStorage, Storage

__all__ = ["UploadRefused", "attachments_of_record", "add_attachment", "attachment_ids_in", "attachments_of_instance", "attachments_of_task",
           "check_upload", "dispose_attachments", "read_attachment", "visible_attachment",
           "ACCEPTED_TYPES", "sniff_type", "SESSION_KEY", "DocumentStore", "store_of",
           "LocalStorage", "Storage"]
