"""Images of a petition: share card (PNG), printable flyer (PDF) and progress chart (PNG).

Pure functions from a `Petition` to bytes; `cache.RenderCache` runs them in a thread pool and
renders each distinct image once. Nothing here imports discord.

- `card.render_card(petition, ...) -> Card` (PNG bytes plus the layout of every text box)
- `flyer.render_flyer(petition, paper=...) -> bytes` (PDF)
- `chart.render_chart(petition, daily, milestones, now=...) -> bytes` (PNG)
- `samples.write_samples(folder, petition, ...)` writes all three to a folder.
"""
