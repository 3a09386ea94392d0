"""A browser-paced play clock: the page asks for the next frame only after the last one arrived.

Stepping from a server thread and pushing renders from it left some sessions' pages frozen
while their models kept stepping. Here the browser's timer calls ``tick`` (handled like a
button click, in the session's own message order); the server steps, redraws and bumps
``frame``; the browser waits ``period_ms`` after that frame arrives before asking again. A slow
redraw therefore slows the clock instead of queueing frames.
"""

from __future__ import annotations

import ipyvue
import traitlets

TEMPLATE = """
<template><span class="mtor-ticker" style="display:none"></span></template>
<script>
module.exports = {
  mounted() { this.schedule(); },
  watch: {
    frame() { this.schedule(); },
    running() { this.schedule(); },
  },
  methods: {
    schedule() {
      clearTimeout(this._timer);
      if (!this.running) { return; }
      this._timer = setTimeout(() => { this.tick(this.frame); }, this.period_ms);
    },
  },
  destroyed() { clearTimeout(this._timer); },
}
</script>
"""


class Ticker(ipyvue.VueTemplate):
    """Calls ``on_tick()`` about every ``period_ms`` while ``running`` (see module docstring)."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    running = traitlets.Bool(False).tag(sync=True)
    period_ms = traitlets.Int(200).tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)
    on_tick = traitlets.Any(None, allow_none=True)  # not synced: the Python callback

    def vue_tick(self, frame=None):
        if self.running and self.on_tick is not None:
            self.on_tick()
