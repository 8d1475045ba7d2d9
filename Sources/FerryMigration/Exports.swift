/// Users of FerryMigration (the `ferry` commands, tests) see the journal, the pipeline and
/// verification through it, as before these were modules of their own.
@_exported import FerryJournal
@_exported import FerryPipeline
@_exported import FerryVerify
