package amanda_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/amanda/amandatest"
)

// recordedClient returns a client over the recorded result sets, as a job's
// sample mode does; with a real server it would be amanda.Open.
func recordedClient() *amanda.Client {
	conn, err := amandatest.NewRecorded()
	if err != nil {
		panic(err)
	}
	return amanda.New(sql.OpenDB(conn), amanda.Options{})
}

func ExampleLookup() {
	q, err := amanda.Lookup("active_permits")
	if err != nil {
		panic(err)
	}
	fmt.Println(q.Columns)

	_, err = amanda.Lookup("active")
	fmt.Println(err)
	// Output:
	// [FOLDERTYPE ACTIVEPERMITS]
	// amanda: lookup "active": unknown query (valid: applications_received, issued_permits, active_permits, review_time, ex_permits_issued)
}

func ExampleClient_Export() {
	client := recordedClient()
	res, err := client.Export(context.Background(), "active_permits", os.Stdout)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Rows, "rows")
	// Output:
	// FOLDERTYPE,ACTIVEPERMITS
	// DS,187
	// EX,23
	// RW,1462
	// 3 rows
}

func ExampleClient_ActivePermits() {
	client := recordedClient()
	counts, err := client.ActivePermits(context.Background())
	if err != nil {
		panic(err)
	}
	for _, c := range counts {
		fmt.Printf("%s %d\n", c.FolderType, c.Count)
	}
	// Output:
	// DS 187
	// EX 23
	// RW 1462
}

func ExampleClient_ApplicationsReceived() {
	client := recordedClient()
	n := 0
	for row, err := range client.ApplicationsReceived(context.Background()) {
		if err != nil {
			panic(err)
		}
		fmt.Println(row.FolderType, row.SubCode.Int64, row.SubCode.Valid, row.Day.Format("2006-01-02"), row.Count)
		if n++; n == 2 {
			break // the cursor is closed
		}
	}
	// Output:
	// DS 50500 true 2024-12-15 3
	// DS 50510 true 2024-12-21 2
}

func ExampleConfig_String() {
	cfg := amanda.Config{Host: "amanda-rr.example", ServiceName: "AMANDARR", User: "exec_dash", Password: "hunter2"}
	fmt.Println(cfg)
	// Output:
	// amanda.Config{Host: "amanda-rr.example", Port: 0, ServiceName: "AMANDARR", User: "exec_dash", Password: "REDACTED"}
}

func ExampleFormatValue() {
	fmt.Printf("%q %q %q\n", amanda.FormatValue(nil), amanda.FormatValue(float64(1200)), amanda.FormatValue(int64(42)))
	// Output:
	// "" "1200" "42"
}
