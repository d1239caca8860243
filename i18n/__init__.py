"""Languages, gettext catalogs, language detection and locale-aware formatting."""
