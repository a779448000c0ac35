// Package permits composes the dashboard's permit measures from the files the
// AMANDA and Smartsheet jobs leave in S3: the active-permit count published
// by the active_permits job, and the weekly historical summary published by
// row_data_summary.
//
// The package holds pure functions over typed inputs plus loaders that read
// those inputs through [ObjectReader], a small interface any object store
// can satisfy (the jobs pass an S3 store; tests pass a map). It imports no
// system client: the jobs in examples/ wire the systems together.
//
// # Active permits
//
// [ParseActiveCounts] reads active_permits.csv (columns FOLDERTYPE,
// ACTIVEPERMITS); [ActiveCounts.Record] turns the counts plus the file's S3
// LastModified into the one record the rolling log receives:
//
//	{"ds": 120, "ex": 8, "rw": 541, "published_date": "2024-03-10T03:05:00.000"}
//
// published_date is LastModified in America/Chicago, truncated to the minute.
// A type of DS, EX, RW missing from the file is null, never 0
// ([ActiveCounts.Missing]); other types are left out ([ActiveCounts.Unknown]).
//
// # Weekly summary
//
// [LoadWeeklyInputs] reads the five daily files; [WeeklySummary] sums them
// into Sunday–Saturday weeks. A day written on more than one row is summed
// and listed in [SourceFile].Repeated; [WeeklyInputs.RequireRows] names the
// files that hold no usable row.
//
// # Errors
//
// Malformed input is reported as a [*ParseError] carrying the file, line and
// column; use errors.As to get at it. A file with a header and no rows is
// an error wrapping [ErrNoRows] (errors.Is): a failed export, never zero.
package permits
