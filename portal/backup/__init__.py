"""Backup and restore: one archive of the database and the uploads, with a checksum manifest
(`flask backup create` / `flask backup restore`, see docs/operations.md)."""
