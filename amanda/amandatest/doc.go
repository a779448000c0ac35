// Package amandatest replays recorded Oracle result sets through
// [database/sql], so the amanda package and the amanda_to_s3 job run without
// an Oracle server: in tests, and in the job's embedded sample mode.
//
// A [Connector] is a [database/sql/driver.Connector]: open it with
// [database/sql.OpenDB] (nothing is registered globally), tell it which exact
// SQL text answers with which [ResultSet] ([Connector.Handle]), and hand the
// *sql.DB to amanda.New. Any other SQL text fails with an
// [*UnexpectedSQLError], so an edited query cannot silently pass.
//
// [Recorded] embeds one recorded result set per named query; [NewRecorded]
// serves them all. Result sets are recorded as JSON fixture files ([ParseResultSet],
// [LoadResultSet]) with Oracle type names and values as go-ora returns them
// (NUMBER as a decimal string, DATE as a UTC time.Time holding the stored
// wall-clock time, NULL as nil), or generated lazily ([ResultSet.Generate])
// for streaming tests with millions of rows. A cursor failure can be injected
// after any number of rows ([ResultSet.Err], [ResultSet.ErrAfter]).
//
//	c, err := amandatest.NewRecorded() // every named query, recorded
//	if err != nil { ... }
//	client := amanda.New(sql.OpenDB(c), amanda.Options{})
//
//	// or one result set of your own:
//	q, _ := amanda.Lookup("active_permits")
//	c := amandatest.NewConnector()
//	c.Handle(q.SQL, amandatest.ResultSet{Columns: cols, Rows: rows})
package amandatest
