"""Pure rendering: models → embeds, views and files."""
