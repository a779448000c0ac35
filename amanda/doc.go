// Package amanda reads the AMANDA permitting database — the City of Austin's
// Oracle read replica — through [database/sql] and the pure-Go driver
// github.com/sijms/go-ora/v2: the five named queries of the executive
// dashboard, typed rows, and a streaming CSV export.
//
//	client, err := amanda.Open(amanda.Config{
//		Host: "amanda-rr.example", ServiceName: "AMANDARR",
//		User: user, Password: password,
//	}, amanda.Options{Logger: logger})
//	if err != nil { ... }
//	defer client.Close()
//
//	counts, err := client.ActivePermits(ctx) // []ActivePermitCount
//
//	for day, err := range client.ApplicationsReceived(ctx) { ... } // streamed
//
//	res, err := client.Export(ctx, "issued_permits", w) // CSV to any io.Writer
//
// # Queries
//
// [Queries] lists the named queries (applications_received, issued_permits,
// active_permits, review_time, ex_permits_issued) with their SQL text and the
// column names Oracle reports for them; [Lookup] finds one by name. Those
// names are the CSV header: a contract with downstream jobs and Power BI
// reports, checked on every run — a result whose columns differ fails with
// [ErrColumns] rather than write a file with another header.
//
// # Authentication
//
// [Open] builds go-ora's connection URL from [Config] (user and password
// authentication against a service name). The URL holds the password: it is
// never logged, never put into an error, and [Config.String],
// [Config.GoString] and [Config.LogValue] redact the password. Errors coming
// back from the driver are scanned for every spelling of the password and
// redacted when needed. Callers with their own pool or driver use [New] with
// a *sql.DB (for instance sql.OpenDB on any [database/sql/driver.Connector]).
//
// # Errors
//
// Every failure is an [*Error] recording the operation (Op), the query name
// and how many rows were read before it; use [errors.As] to get it and
// [errors.Is] for the sentinels [ErrConfig], [ErrUnknownQuery], [ErrColumns]
// and [ErrValue]. A cursor failure in the middle of a result (an ORA- error, a
// dropped connection) is an Op "fetch" error whose Rows says how far it got.
//
// # Retries
//
// The package does not retry: a query is re-run by re-running the job.
// database/sql retries opening a connection once on driver.ErrBadConn.
//
// # Streaming
//
// Results can be large. [Client.Export] writes each row to the io.Writer as it
// is fetched, and the iterators ([Client.ApplicationsReceived],
// [Client.IssuedPermits], [Client.ReviewTimes], [Client.EXPermitsIssued])
// yield one row at a time; nothing holds a whole result. Export reports
// progress every [Options.ProgressEvery] rows through a log line (key rows)
// and the [Options.Progress] callback.
//
// # Dates
//
// AMANDA stores local wall-clock times in DATE columns. go-ora returns them as
// time.Time values holding that wall-clock time, in UTC or, when the database
// reports another time zone, in that zone; either way this package never
// converts them between zones and writes them as YYYY-MM-DD HH:MM:SS. Compare
// them by their clock fields, not as instants.
//
// # Testing
//
// Package [github.com/cityofaustin/atd-executive-dashboard/amanda/amandatest]
// replays recorded result sets through a driver.Connector, so code using this
// package can be tested without an Oracle server.
package amanda
