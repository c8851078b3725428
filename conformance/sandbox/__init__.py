"""The sandbox: a DropoutLayer implementation whose layers live in a confined child process.

``parent`` (the grader's side: :class:`~.parent.SandboxedFactory`), ``child`` (the confined side,
preloaded by the fork server) and ``protocol`` (the pickle-free wire format between them). Used by
the grader and by ``pytest --dropout-isolate``. Importing this package imports nothing: ``child``
must pin numpy's threads before numpy is first imported in the fork server.
"""
