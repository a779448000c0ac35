package amanda

import (
	"fmt"
	"slices"
	"strings"
)

// Query is one named query on the AMANDA read replica.
type Query struct {
	// Name is the query's name: the --query flag value and the base name of
	// the CSV object the job writes (NAME.csv).
	Name string
	// Description says what the query counts or lists.
	Description string
	// SQL is the statement text, sent as is.
	SQL string
	// Columns are the column names Oracle reports for the select list: upper
	// case; an unaliased expression is named by its text without spaces.
	// They are the CSV header, a contract with downstream jobs and Power BI.
	Columns []string
}

// The names of the five queries.
const (
	ApplicationsReceivedQuery = "applications_received"
	IssuedPermitsQuery        = "issued_permits"
	ActivePermitsQuery        = "active_permits"
	ReviewTimeQuery           = "review_time"
	EXPermitsIssuedQuery      = "ex_permits_issued"
)

// The SQL is written so that the names Oracle derives for the select list are
// exactly the contract's column names: the day expression is spelled without
// spaces and in upper case, so its derived name is its own text; counts and
// joined dates carry aliases. Oracle derives an unaliased expression's name by
// upper-casing it and removing every space — also inside literals — so the two
// TO_CHAR date-times of ex_permits_issued are named '…MM-DD-YYYYHH24:MI:SS'
// (the name the pandas job has been writing), while their values keep the
// space between date and time.

const applicationsReceivedSQL = `SELECT
    FOLDERTYPE,
    SUBCODE,
    TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD'),
    COUNT(*) AS ISSUEDROWPERMITS
FROM FOLDER
WHERE INDATE IS NOT NULL
    AND INDATE >= DATE '2018-10-01'
    AND (
        (FOLDERTYPE = 'DS'
            AND STATUSCODE NOT IN (50005, 50003, 70045))
        OR (FOLDERTYPE IN ('RW', 'EX')
            AND STATUSCODE NOT IN (70045, 50003)
            AND SUBCODE NOT IN (50510, 50505))
    )
GROUP BY FOLDERTYPE, SUBCODE, TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')
ORDER BY 1, 3, 2`

const issuedPermitsSQL = `SELECT
    FOLDERTYPE,
    SUBCODE,
    TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD'),
    COUNT(*) AS ISSUEDROWPERMITS
FROM FOLDER
WHERE ISSUEDATE IS NOT NULL
    AND ISSUEDATE >= DATE '2018-10-01'
    AND (
        FOLDERTYPE IN ('DS', 'EX')
        OR (FOLDERTYPE = 'RW'
            AND SUBCODE NOT IN (50510, 50505))
    )
GROUP BY FOLDERTYPE, SUBCODE, TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')
ORDER BY 1, 3, 2`

const activePermitsSQL = `SELECT
    FOLDERTYPE,
    COUNT(*) AS ACTIVEPERMITS
FROM FOLDER
WHERE STATUSCODE = 50010
    AND (
        FOLDERTYPE IN ('DS', 'EX')
        OR (FOLDERTYPE = 'RW'
            AND FOLDERNAME NOT LIKE 'LA-%')
    )
GROUP BY FOLDERTYPE
ORDER BY FOLDERTYPE`

const reviewTimeSQL = `SELECT
    F.CUSTOMFOLDERNUMBER,
    F.FOLDERRSN,
    F.INDATE,
    F.ISSUEDATE,
    WEB.STARTDATE AS WEBAPPSTART,
    WEB.ENDDATE AS WEBAPPEND,
    EXT.STARTDATE AS EXTEND,
    ATT.ATTEMPTDATE AS DEPT_COMMENTS
FROM FOLDER F
    LEFT JOIN FOLDERPROCESS WEB
        ON WEB.FOLDERRSN = F.FOLDERRSN
        AND WEB.PROCESSCODE = 70000
    LEFT JOIN FOLDERPROCESS EXT
        ON EXT.FOLDERRSN = F.FOLDERRSN
        AND EXT.PROCESSCODE = 50680
    JOIN FOLDERPROCESSATTEMPT ATT
        ON ATT.FOLDERRSN = F.FOLDERRSN
        AND ATT.RESULTCODE = 61510
WHERE F.FOLDERTYPE = 'RW'
    AND F.SUBCODE = 50500
    AND F.WORKCODE = 50590`

const exPermitsIssuedSQL = `SELECT
    F.FOLDERYEAR || '-' || F.FOLDERSEQUENCE AS PERMIT_ID,
    F.SUBCODE,
    VS.SUBDESC,
    F.FOLDERNAME,
    TO_CHAR(F.INDATE,'MM-DD-YYYY HH24:MI:SS'),
    TO_CHAR(F.ISSUEDATE,'MM-DD-YYYY HH24:MI:SS')
FROM FOLDER F
    LEFT JOIN VALIDSUB VS
        ON VS.SUBCODE = F.SUBCODE
WHERE F.FOLDERTYPE = 'EX'
    AND F.PRIORITY = 3
    AND F.ISSUEDATE IS NOT NULL
    AND F.ISSUEDATE >= DATE '2018-10-01'`

// queries is the registry, in the order of docs/DATASETS.md. Never modified.
var queries = []Query{
	{
		Name: ApplicationsReceivedQuery,
		Description: "applications received per folder type, subcode and intake day since 2018-10-01 " +
			"(DS without statuses 50005, 50003, 70045; RW and EX without statuses 70045, 50003 and subcodes 50510, 50505)",
		SQL:     applicationsReceivedSQL,
		Columns: []string{"FOLDERTYPE", "SUBCODE", "TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')", "ISSUEDROWPERMITS"},
	},
	{
		Name: IssuedPermitsQuery,
		Description: "permits issued per folder type, subcode and issue day since 2018-10-01 " +
			"(EX and DS all; RW without subcodes 50510, 50505)",
		SQL:     issuedPermitsSQL,
		Columns: []string{"FOLDERTYPE", "SUBCODE", "TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')", "ISSUEDROWPERMITS"},
	},
	{
		Name:        ActivePermitsQuery,
		Description: "active permits (status 50010) per folder type (RW without folder names starting LA-)",
		SQL:         activePermitsSQL,
		Columns:     []string{"FOLDERTYPE", "ACTIVEPERMITS"},
	},
	{
		Name: ReviewTimeQuery,
		Description: "RW folders with subcode 50500 and workcode 50590 with their web application process (70000), " +
			"extension process (50680) and department comments attempt (result 61510) dates",
		SQL: reviewTimeSQL,
		Columns: []string{"CUSTOMFOLDERNUMBER", "FOLDERRSN", "INDATE", "ISSUEDATE",
			"WEBAPPSTART", "WEBAPPEND", "EXTEND", "DEPT_COMMENTS"},
	},
	{
		Name:        EXPermitsIssuedQuery,
		Description: "EX folders with priority 3 issued since 2018-10-01, with subcode description and intake and issue date-times",
		SQL:         exPermitsIssuedSQL,
		Columns: []string{"PERMIT_ID", "SUBCODE", "SUBDESC", "FOLDERNAME",
			"TO_CHAR(F.INDATE,'MM-DD-YYYYHH24:MI:SS')", "TO_CHAR(F.ISSUEDATE,'MM-DD-YYYYHH24:MI:SS')"},
	},
}

// clone returns q with its own Columns slice, so callers cannot change the
// registry.
func (q Query) clone() Query {
	q.Columns = slices.Clone(q.Columns)
	return q
}

// Queries returns the named queries, in the order of docs/DATASETS.md
// (applications_received, issued_permits, active_permits, review_time,
// ex_permits_issued). The result is a copy.
func Queries() []Query {
	out := make([]Query, len(queries))
	for i, q := range queries {
		out[i] = q.clone()
	}
	return out
}

// Names returns the names of the named queries, in the order of [Queries].
func Names() []string {
	out := make([]string, len(queries))
	for i, q := range queries {
		out[i] = q.Name
	}
	return out
}

// Lookup returns the named query. For an unknown name it returns an [*Error]
// with Op "lookup" wrapping [ErrUnknownQuery], whose text lists the valid
// names.
func Lookup(name string) (Query, error) {
	for _, q := range queries {
		if q.Name == name {
			return q.clone(), nil
		}
	}
	return Query{}, &Error{Op: "lookup", Query: fmt.Sprintf("%q", name),
		Err: fmt.Errorf("%w (valid: %s)", ErrUnknownQuery, strings.Join(Names(), ", "))}
}
