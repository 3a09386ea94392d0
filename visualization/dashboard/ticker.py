"""A browser-paced play clock: the page asks for the next frame only after the last one arrived.

Stepping from a server thread and pushing renders from it left some sessions' pages frozen
while their models kept stepping. Here the browser's timer calls ``tick`` (handled like a
button click, in the session's own message order); the server steps, redraws and bumps
``frame``; the browser asks again ``period_ms`` after it last asked (at once if that frame took
longer), so frames come at a steady rate while they are cheaper than ``period_ms``, and a slow
frame slows the clock instead of queueing frames (never two ticks in flight).
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
      const since = this._asked ? performance.now() - this._asked : 0;
      const wait = Math.max(0, this.period_ms - since);
      this._timer = setTimeout(() => {
        this._asked = performance.now();
        this.tick(this.frame);
      }, wait);
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
