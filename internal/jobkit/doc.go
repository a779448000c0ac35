// Package jobkit holds what every dashboard job in examples/ shares: the
// common flags, the logger and the final record, the choice between a live
// run and the embedded sample, the checks of the settings, --help and
// --version, environment → configuration for S3 and Socrata, dry-run and
// sample-mode stand-ins for the destinations, and the mapping of errors to
// exit codes.
//
// jobkit never reads the process environment itself: a job's main passes
// os.LookupEnv in as an [Env], and tests pass a map.
//
// # Modes
//
// A job names the variables it reads in [Settings]. DASHBOARD_MODE=live
// runs live and requires every required variable, with a value;
// DASHBOARD_MODE=sample runs on sample data embedded in the binary, writing
// under ./sample-output, whatever else is set. Unset (or auto): live when
// all required variables are set, the sample when none of the settings is,
// and anything in between is a [*ConfigError] (exit code 2) naming what is
// missing or empty. A variable set to the empty string counts as set.
// [Start] then checks the values ([CheckSettings]) before any work.
//
// # Logs
//
// [Start] logs the first line (the version and the mode; a WARN for the
// sample). A job's run defers [Job.Finish], which logs the final record
// msg="finished" with exit_code, elapsed_s and the counts given to
// [Job.Summary]. With --log-json every line on stdout is a JSON object,
// dry-run previews included.
//
// # Exit codes
//
// [ExitCode]: 0 success (and --help, --version), 1 a failure while working,
// 2 a usage or configuration error found before any work started.
package jobkit
