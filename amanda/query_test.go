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

// TestQueryNames pins the registry: the five names of docs/DATASETS.md, in order.
func TestQueryNames(t *testing.T) {
	t.Parallel()
	want := []string{"applications_received", "issued_permits", "active_permits", "review_time", "ex_permits_issued"}
	if got := amanda.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %q, want %q", got, want)
	}
}

// TestQueryColumnsContract pins the header of each query to docs/DATASETS.md.
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

// TestQueryFiltersFollowSpec checks each filter docs/DATASETS.md states for the named
// queries against the SQL text (whitespace collapsed, upper case): a
// fragment that must appear, or one that must not. It is independent of the
// SQL golden files, which -update rewrites.
func TestQueryFiltersFollowSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query, spec string
		want        []string // fragments that must appear
		wantNot     []string // fragments that must not appear
	}{
		{"applications_received", "intake on/after 2018-10-01, intake date present",
			[]string{"FROM FOLDER WHERE", "INDATE IS NOT NULL", "AND INDATE >= DATE '2018-10-01'"}, nil},
		{"applications_received", "DS: status not in 50005, 50003, 70045",
			[]string{"(FOLDERTYPE = 'DS' AND STATUSCODE NOT IN (50005, 50003, 70045))"}, nil},
		{"applications_received", "RW and EX: status not in 70045, 50003 and subcode not in 50510, 50505",
			[]string{"(FOLDERTYPE IN ('RW', 'EX') AND STATUSCODE NOT IN (70045, 50003) AND SUBCODE NOT IN (50510, 50505))"}, nil},
		{"applications_received", "grouped by folder type, subcode and intake day",
			[]string{"COUNT(*) AS ISSUEDROWPERMITS", "GROUP BY FOLDERTYPE, SUBCODE, TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')"}, nil},
		{"issued_permits", "issue day on/after 2018-10-01",
			[]string{"FROM FOLDER WHERE", "ISSUEDATE IS NOT NULL", "AND ISSUEDATE >= DATE '2018-10-01'"}, []string{"INDATE"}},
		{"issued_permits", "EX and DS all; RW with subcode not in 50510, 50505",
			[]string{"FOLDERTYPE IN ('DS', 'EX') OR (FOLDERTYPE = 'RW' AND SUBCODE NOT IN (50510, 50505))"}, []string{"STATUSCODE"}},
		{"issued_permits", "grouped by folder type, subcode and issue day",
			[]string{"COUNT(*) AS ISSUEDROWPERMITS", "GROUP BY FOLDERTYPE, SUBCODE, TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')"}, nil},
		{"active_permits", "status 50010; EX and DS all; RW only where FOLDERNAME does not start with LA-",
			[]string{"WHERE STATUSCODE = 50010 AND (FOLDERTYPE IN ('DS', 'EX') OR (FOLDERTYPE = 'RW' AND FOLDERNAME NOT LIKE 'LA-%'))",
				"GROUP BY FOLDERTYPE"}, []string{"DATE '"}},
		{"review_time", "RW folders with subcode 50500 and workcode 50590",
			[]string{"FROM FOLDER F", "WHERE F.FOLDERTYPE = 'RW' AND F.SUBCODE = 50500 AND F.WORKCODE = 50590"}, nil},
		{"review_time", "FOLDERPROCESS 70000 gives WEBAPPSTART/WEBAPPEND, 50680 gives EXTEND",
			[]string{"WEB.STARTDATE AS WEBAPPSTART", "WEB.ENDDATE AS WEBAPPEND", "EXT.STARTDATE AS EXTEND",
				"LEFT JOIN FOLDERPROCESS WEB ON WEB.FOLDERRSN = F.FOLDERRSN AND WEB.PROCESSCODE = 70000",
				"LEFT JOIN FOLDERPROCESS EXT ON EXT.FOLDERRSN = F.FOLDERRSN AND EXT.PROCESSCODE = 50680"}, nil},
		{"review_time", "FOLDERPROCESSATTEMPT with result code 61510, DEPT_COMMENTS = attempt date",
			[]string{"ATT.ATTEMPTDATE AS DEPT_COMMENTS",
				"JOIN FOLDERPROCESSATTEMPT ATT ON ATT.FOLDERRSN = F.FOLDERRSN AND ATT.RESULTCODE = 61510"}, nil},
		{"ex_permits_issued", "EX folders with priority 3 issued on/after 2018-10-01",
			[]string{"WHERE F.FOLDERTYPE = 'EX' AND F.PRIORITY = 3 AND F.ISSUEDATE IS NOT NULL AND F.ISSUEDATE >= DATE '2018-10-01'"}, nil},
		{"ex_permits_issued", "PERMIT_ID is FOLDERYEAR-FOLDERSEQUENCE, SUBDESC from VALIDSUB by subcode",
			[]string{"F.FOLDERYEAR || '-' || F.FOLDERSEQUENCE AS PERMIT_ID", "VS.SUBDESC",
				"LEFT JOIN VALIDSUB VS ON VS.SUBCODE = F.SUBCODE"}, nil},
		{"ex_permits_issued", "intake and issue date-times as MM-DD-YYYY HH24:MI:SS",
			[]string{"TO_CHAR(F.INDATE,'MM-DD-YYYY HH24:MI:SS')", "TO_CHAR(F.ISSUEDATE,'MM-DD-YYYY HH24:MI:SS')"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query+"/"+tt.spec, func(t *testing.T) {
			t.Parallel()
			sql := strings.ToUpper(strings.Join(strings.Fields(mustQuery(t, tt.query).SQL), " "))
			sql = strings.ReplaceAll(strings.ReplaceAll(sql, "( ", "("), " )", ")")
			for _, w := range tt.want {
				if !strings.Contains(sql, w) {
					t.Errorf("SQL lacks %q:\n%s", w, sql)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(sql, w) {
					t.Errorf("SQL holds %q:\n%s", w, sql)
				}
			}
		})
	}
}
