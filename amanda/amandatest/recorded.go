package amandatest

import (
	"embed"
	"fmt"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
)

// Recorded holds one recorded result set per named query, replay/<name>.json
// (see [ParseResultSet] for the format). They contain NULLs, DATE values (one
// at 02:30 on the day clocks spring forward in Austin, which must come out
// unchanged), a quote and a comma to escape. The amanda_to_s3 job's sample
// mode replays them.
//
//go:embed replay/*.json
var Recorded embed.FS

// RecordedPath returns the path in [Recorded] of the named query's result set.
func RecordedPath(name string) string { return "replay/" + name + ".json" }

// NewRecorded returns a Connector that answers the SQL text of every named
// query of package amanda with its recorded result set from [Recorded].
func NewRecorded() (*Connector, error) {
	c := NewConnector()
	for _, q := range amanda.Queries() {
		rs, err := LoadResultSet(Recorded, RecordedPath(q.Name))
		if err != nil {
			return nil, fmt.Errorf("amandatest: recorded result for %s: %w", q.Name, err)
		}
		c.Handle(q.SQL, rs)
	}
	return c, nil
}
