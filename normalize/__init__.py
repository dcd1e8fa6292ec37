"""Raw tables → canonical rows: profiles, field normalizers and validation."""
