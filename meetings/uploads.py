"""Files of minutes and of action items' evidence: what ``portal.uploads`` takes.

Images (re-encoded: a PNG when transparent, else a JPEG, at most 2560
pixels), PDFs and Office documents, up to ``MAX_FILES`` at once, stored under
``meetings/YYYY/MM/`` with a random name. The messages are the portal's own.
"""

from portal.uploads import UploadPolicy

MAX_FILES = 10

ATTACHMENTS = UploadPolicy(max_files=MAX_FILES, folder="meetings")
