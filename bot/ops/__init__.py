"""Running Back Coach in production: webhook mode, the active role, health and metrics.

What a deployment of more than one process, behind a reverse proxy and watched by a
supervisor and Prometheus, needs of each process: updates posted by Telegram instead of polled
for (``bot.ops.webhook``); which process is the active one and which wait as standbys
(``bot.ops.election``); whether it is alive and ready to take traffic (``bot.ops.health``);
and what it has been doing: updates, reminders, 429s, how late workout steps fire, how many
workouts are live (``bot.ops.metrics``).
"""
