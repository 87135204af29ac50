"""The conversation core behind :class:`bot.engine.Engine`.

* ``place.py`` – where a user is (a typed :class:`Place`, with a menu stack);
* ``context.py`` – one action in progress (transaction, user, place, outbox);
* ``table.py`` – THE routing table: each screen's view, buttons and typed words;
* ``router.py`` – reads an event against the table and renders the next screen;
* ``typed.py`` – what a typed word means (a button, an answer word);
* one module per feature: ``checklist`` (+ ``checklist_views``), ``summary``,
  ``changes`` (/wijzig, /thema), ``municipality``, ``teams``, ``questions``,
  ``privacy``, ``rounds`` (pause, reminders, rounds), ``commands``, ``documents``.
"""
