// Intentionally empty: the pages work without script; a page that needs one adds its own file.
