// Package jobkit holds what every dashboard job in examples/ shares: the
// common flags, the logger, the choice between a live run and the embedded
// sample, environment → configuration for S3 and Socrata, dry-run and
// sample-mode stand-ins for the destinations, and the mapping of errors to
// exit codes.
//
// jobkit never reads the process environment itself: a job's main passes
// os.LookupEnv in as an [Env], and tests pass a map.
//
// # Modes
//
// A job names the variables it reads in [Settings]. When all required ones
// are set it runs live; when none of its settings is set it runs on sample
// data embedded in the binary and writes under ./sample-output; anything in
// between is a [*ConfigError] (exit code 2) naming what is missing.
//
// # Exit codes
//
// [ExitCode]: 0 success, 1 a failure while working, 2 a usage or
// configuration error found before any work started.
package jobkit
