"""Pictures of runs: self-contained HTML pages with inline SVG (no network
access, no script from elsewhere), and Mermaid text.

- `history` a client history: a lane per process, a bar per operation, the
  linearization or the failing object (`check history --html`);
- `msc` a message sequence chart of a counterexample from its step records
  (`check model --html/--mermaid`);
- `events` an implementation's trace events as those step records (`check
  trace` and `check replay` with `--html/--mermaid`).
"""
