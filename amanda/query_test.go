package amanda_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
)

// TestQuerySQLGolden pins the SQL text of every named query: a change to a
// filter is a visible diff in testdata/sql/<name>.sql.golden.
func TestQuerySQLGolden(t *testing.T) {
	t.Parallel()
	for _, q := range amanda.Queries() {
		t.Run(q.Name, func(t *testing.T) {
			t.Parallel()
			golden(t, "sql/"+q.Name+".sql.golden", []byte(q.SQL+"\n"))
		})
	}
}

// TestQueryNames pins the registry: the five names of SPEC.md, in order.
func TestQueryNames(t *testing.T) {
	t.Parallel()
	want := []string{"applications_received", "issued_permits", "active_permits", "review_time", "ex_permits_issued"}
	if got := amanda.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %q, want %q", got, want)
	}
}

// TestQueryColumnsContract pins the header of each query to SPEC.md.
func TestQueryColumnsContract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want []string
	}{
		{"applications_received", []string{"FOLDERTYPE", "SUBCODE", "TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')", "ISSUEDROWPERMITS"}},
		{"issued_permits", []string{"FOLDERTYPE", "SUBCODE", "TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')", "ISSUEDROWPERMITS"}},
		{"active_permits", []string{"FOLDERTYPE", "ACTIVEPERMITS"}},
		{"review_time", []string{"CUSTOMFOLDERNUMBER", "FOLDERRSN", "INDATE", "ISSUEDATE", "WEBAPPSTART", "WEBAPPEND", "EXTEND", "DEPT_COMMENTS"}},
		{"ex_permits_issued", []string{"PERMIT_ID", "SUBCODE", "SUBDESC", "FOLDERNAME",
			"TO_CHAR(F.INDATE,'MM-DD-YYYYHH24:MI:SS')", "TO_CHAR(F.ISSUEDATE,'MM-DD-YYYYHH24:MI:SS')"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mustQuery(t, tt.name).Columns; !slices.Equal(got, tt.want) {
				t.Errorf("Columns = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestQueryColumnsFromSelectList derives the names Oracle reports from each
// query's select list — alias if any, column name for a (qualified) column,
// else the expression upper-cased with every space removed — and checks them
// against Query.Columns, so the SQL and the declared header cannot drift.
func TestQueryColumnsFromSelectList(t *testing.T) {
	t.Parallel()
	for _, q := range amanda.Queries() {
		t.Run(q.Name, func(t *testing.T) {
			t.Parallel()
			got := oracleColumnNames(t, q.SQL)
			if !slices.Equal(got, q.Columns) {
				t.Errorf("select list names = %q, Columns = %q", got, q.Columns)
			}
		})
	}
}

var (
	aliasRE  = regexp.MustCompile(`(?is)^(.*)\s+AS\s+([A-Z_][A-Z0-9_$#]*)$`)
	columnRE = regexp.MustCompile(`(?i)^(?:[A-Z_][A-Z0-9_$#]*\.)?([A-Z_][A-Z0-9_$#]*)$`)
)

func oracleColumnNames(t *testing.T, sql string) []string {
	t.Helper()
	upper := strings.ToUpper(sql)
	if !strings.HasPrefix(upper, "SELECT") {
		t.Fatalf("query does not start with SELECT: %.30q", sql)
	}
	from := strings.Index(upper, "\nFROM ")
	if from < 0 {
		t.Fatalf("no FROM line in %q", sql)
	}
	var names []string
	for _, item := range splitTopLevel(sql[len("SELECT"):from]) {
		item = strings.TrimSpace(item)
		switch {
		case aliasRE.MatchString(item):
			names = append(names, strings.ToUpper(aliasRE.FindStringSubmatch(item)[2]))
		case columnRE.MatchString(item):
			names = append(names, strings.ToUpper(columnRE.FindStringSubmatch(item)[1]))
		default:
			names = append(names, strings.ToUpper(strings.Join(strings.Fields(item), "")))
		}
	}
	return names
}

// splitTopLevel splits a select list at commas outside parentheses and
// quotes.
func splitTopLevel(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i, r := range s {
		switch {
		case r == '\'':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		wantErr bool
	}{
		{name: "active_permits"},
		{name: "review_time"},
		{name: "nope", wantErr: true},
		{name: "", wantErr: true},
		{name: "ACTIVE_PERMITS", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := amanda.Lookup(tt.name)
			if !tt.wantErr {
				if err != nil || q.Name != tt.name || q.SQL == "" || len(q.Columns) == 0 {
					t.Fatalf("Lookup(%q) = %+v, %v", tt.name, q, err)
				}
				return
			}
			if !errors.Is(err, amanda.ErrUnknownQuery) {
				t.Fatalf("Lookup(%q) error = %v, want ErrUnknownQuery", tt.name, err)
			}
			var ae *amanda.Error
			if !errors.As(err, &ae) || ae.Op != "lookup" {
				t.Fatalf("error %v is not an *amanda.Error with Op lookup", err)
			}
			for _, valid := range amanda.Names() {
				if !strings.Contains(err.Error(), valid) {
					t.Errorf("error %q does not list %s", err, valid)
				}
			}
		})
	}
}

// TestQueriesReturnsCopies checks callers cannot change the registry.
func TestQueriesReturnsCopies(t *testing.T) {
	t.Parallel()
	qs := amanda.Queries()
	qs[0].Columns[0] = "CHANGED"
	qs[0].SQL = "DROP TABLE FOLDER"
	q := mustQuery(t, qs[0].Name)
	if q.Columns[0] == "CHANGED" || q.SQL == "DROP TABLE FOLDER" {
		t.Fatal("Queries() exposed the registry")
	}
}
