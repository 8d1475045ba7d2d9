/// The modules below FerryMigration that its files and its users (the `ferry` commands, tests)
/// all need: re-exported once here instead of imported file by file.
@_exported import FerryJournal
@_exported import FerryPipeline
@_exported import FerryVerify
