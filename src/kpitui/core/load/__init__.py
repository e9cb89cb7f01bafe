"""Loading a data set: files -> per-file versions -> one :class:`~kpitui.core.snapshot.Snapshot`.

``files`` (discovery, stamps, consistent reads), ``version`` (a file version and what it is
worth under a set of definitions), ``loader`` (per-file states -> a snapshot, for the CLI and
the dashboard alike) and ``quality`` (findings across files).
"""
