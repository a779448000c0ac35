package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// data is what the page draws, read from one source: the live datasets,
// a folder of sample-mode outputs, or the embedded sample.
type data struct {
	Source string    // where it was read, for the page header
	AsOf   time.Time // ages (days since an update) are measured to here

	Active   []activePoint
	Weeks    []weekRow
	Expenses []financeMonth
	Revenue  []financeMonth
	CSR      []csrMonth
	Stale    []staleDataset

	// Missing names the datasets that could not be read (a folder without
	// that job's output), by section key; their charts say so.
	Missing map[string]string
	// Truncated names the sections whose query hit --max-rows.
	Truncated map[string]int
}

// activePoint is one record of the rolling log ACTIVE_DATASET. A count
// that is null or missing is NaN.
type activePoint struct {
	At         time.Time // published_date, America/Chicago wall time
	DS, EX, RW float64
}

// weekRow is one record of WEEK_DATASET: the week ending on Week (a
// Saturday) and its counts by field name.
type weekRow struct {
	Week   time.Time
	Values map[string]float64
}

// weekFields are the WEEK_DATASET fields the page draws, by folder type.
var weekFields = []struct{ Type, Received, Issued string }{
	{"DS", "ds_applications_received", "ds_permits_issued"},
	{"EX", "ex_applications_received", "ex_permits_issued"},
	{"RW", "rw_applications_received", "rw_permits_issued"},
}

// financeMonth is a department's year-to-date budget and actual for one
// month, summed over its rows.
type financeMonth struct {
	Department     string
	Month          time.Time // the first of the month
	Budget, Actual float64
}

// csrMonth counts the 3-1-1 requests created in Month with one status.
type csrMonth struct {
	Month  time.Time
	Status string
	N      float64
}

// staleDataset is a dataset of the department and its last data update
// (zero when the metadata has none).
type staleDataset struct {
	ID, Name, URL string
	Updated       time.Time
}

// Section keys, used for Missing and Truncated.
const (
	secActive   = "active"
	secWeeks    = "weeks"
	secExpenses = "expenses"
	secRevenue  = "revenue"
	secCSR      = "csr"
	secStale    = "stale"
)

// staleCount is how many datasets the last chart lists.
const staleCount = 10

// csrMonths is how many months of 3-1-1 requests a live page asks for.
const csrMonths = 24

// sampleDatasets are the dataset names the jobs publish to in sample mode
// (<out>/socrata/<name>.<method>.json), by section, with the field that
// identifies a row of an upserted dataset (upserts of the same key replace
// one another, as on Socrata).
var sampleDatasets = map[string]struct{ Name, Key string }{
	secActive:   {"active-permits-sample", "published_date"},
	secWeeks:    {"week-summary-sample", "date"},
	secExpenses: {"expenses-sample", "row_identifier"},
	secRevenue:  {"revenue-sample", "row_identifier"},
	secCSR:      {"csr-sample", "service_request_sr_number"},
	secStale:    {"socrata-metadata-sample", "id"},
}

// financeFields are the budget and actual fields of the two finance
// datasets.
var financeFields = map[string]struct{ Budget, Actual string }{
	secExpenses: {"budget_ytd_with_period_cutoff", "expenses_ytd"},
	secRevenue:  {"revenue_budget_ytd", "revenue_ytd"},
}

// readFolder reads what the jobs wrote under an output folder (fsys holds
// its socrata/ subfolder): in sample mode, files named by the sample
// datasets; in a live dry run with --out, by the real dataset ids, which
// ids gives by section (the job's dataset variables; nil for none). A
// section is read from the file named by its id when there is one, else
// from the one named by its sample dataset. A dataset without a file is
// noted in Missing; a file that does not parse is an error.
func readFolder(fsys fs.FS, ids map[string]string, loc *time.Location, logger *slog.Logger) (*data, error) {
	d := &data{Missing: map[string]string{}, Truncated: map[string]int{}}
	rows := map[string][]socrata.Row{}
	for sec, ds := range sampleDatasets {
		names := []string{ds.Name}
		if id := ids[sec]; id != "" && id != ds.Name {
			names = []string{id, ds.Name}
		}
		var r []socrata.Row
		var file string
		err := fs.ErrNotExist
		for _, name := range names {
			if r, file, err = readDataset(fsys, name, ds.Key); !errors.Is(err, fs.ErrNotExist) {
				break
			}
		}
		if errors.Is(err, fs.ErrNotExist) {
			d.Missing[sec] = "no " + strings.Join(names, ".replace.json or .upsert.json, nor ") + ".replace.json or .upsert.json in the folder"
			continue
		}
		if err != nil {
			return nil, err
		}
		logger.Info("dataset read", "section", sec, "file", file, "rows", len(r))
		rows[sec] = r
	}
	var err error
	if d.Active, err = activePoints(rows[secActive], loc); err != nil {
		return nil, err
	}
	if d.Weeks, err = weekRows(rows[secWeeks], loc); err != nil {
		return nil, err
	}
	for _, sec := range []string{secExpenses, secRevenue} {
		f := financeFields[sec]
		months, err := sumFinance(rows[sec], f.Budget, f.Actual)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sampleDatasets[sec].Name, err)
		}
		if sec == secExpenses {
			d.Expenses = months
		} else {
			d.Revenue = months
		}
	}
	if d.CSR, err = countCSR(rows[secCSR], loc); err != nil {
		return nil, err
	}
	if d.Stale, err = staleDatasets(rows[secStale], loc); err != nil {
		return nil, err
	}
	return d, nil
}

// readDataset reads <name>.replace.json, or else <name>.upsert.json with
// rows of the same key collapsed to the last one (what the upsert leaves on
// Socrata), from fsys.
func readDataset(fsys fs.FS, name, key string) ([]socrata.Row, string, error) {
	for _, method := range []string{"replace", "upsert"} {
		file := name + "." + method + ".json"
		b, err := fs.ReadFile(fsys, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, file, err
		}
		rows, err := decodeRows(b)
		if err != nil {
			return nil, file, fmt.Errorf("%s: %w", file, err)
		}
		if method == "upsert" {
			rows = lastByKey(rows, key)
		}
		return rows, file, nil
	}
	return nil, "", fs.ErrNotExist
}

// decodeRows decodes a JSON array of rows, keeping numbers as json.Number
// as the socrata client does.
func decodeRows(b []byte) ([]socrata.Row, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var rows []socrata.Row
	if err := dec.Decode(&rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// lastByKey keeps, of the rows sharing a value of key, the last one, in
// the order of the first one. Rows without the key are all kept.
func lastByKey(rows []socrata.Row, key string) []socrata.Row {
	at := map[string]int{}
	var out []socrata.Row
	for _, r := range rows {
		k, ok := r[key]
		if !ok || k == nil {
			out = append(out, r)
			continue
		}
		ks := fmt.Sprint(k)
		if i, seen := at[ks]; seen {
			out[i] = r
			continue
		}
		at[ks] = len(out)
		out = append(out, r)
	}
	return out
}

// queryer is the reading side of the socrata client the live page uses.
type queryer interface {
	Query(ctx context.Context, dataset string, q socrata.Query) ([]socrata.Row, error)
}

// liveDatasets are the dataset ids of a live page.
type liveDatasets struct {
	Active, Week, Expenses, Revenue, CSR, Metadata string
}

// readLive queries the datasets: each query bounded by maxRows ($limit),
// the 3-1-1 requests and the finance reports aggregated by the server
// ($select with count/sum, $group), never downloaded whole. A dataset that
// cannot be read (the query fails, or its rows do not parse) leaves its
// charts empty, saying why (Missing), and the others are still read: the
// returned error joins those failures, with d always usable.
func readLive(ctx context.Context, c queryer, ids liveDatasets, maxRows int, now time.Time, loc *time.Location, logger *slog.Logger) (*data, error) {
	d := &data{Missing: map[string]string{}, Truncated: map[string]int{}}
	// query asks for at most maxRows rows; q.Limit, when set, is a
	// smaller bound of the query's own (the stale list's ten), not a cut.
	query := func(sec, dataset string, q socrata.Query) ([]socrata.Row, error) {
		bounded := q.Limit == 0 || q.Limit > maxRows
		q.Limit = min(cmp.Or(q.Limit, maxRows), maxRows)
		start := time.Now()
		rows, err := c.Query(ctx, dataset, q)
		if err != nil {
			return nil, err
		}
		if bounded && len(rows) >= q.Limit {
			d.Truncated[sec] = maxRows
		}
		logger.InfoContext(ctx, "dataset queried", "section", sec, "dataset", dataset, "rows", len(rows),
			"elapsed", time.Since(start).Round(time.Millisecond))
		return rows, nil
	}
	var failed []error
	section := func(sec, env, id string, read func() error) {
		if err := read(); err != nil {
			err = fmt.Errorf("%s %s could not be read: %w", env, id, err)
			d.Missing[sec] = err.Error()
			delete(d.Truncated, sec)
			logger.ErrorContext(ctx, "dataset not read", "section", sec, "dataset", id, "error", err.Error())
			failed = append(failed, err)
		}
	}

	section(secActive, "ACTIVE_DATASET", ids.Active, func() error {
		rows, err := query(secActive, ids.Active, socrata.Query{Select: "published_date, ds, ex, rw", Order: "published_date DESC"})
		if err != nil {
			return err
		}
		slices.Reverse(rows)
		d.Active, err = activePoints(rows, loc)
		return err
	})

	section(secWeeks, "WEEK_DATASET", ids.Week, func() error {
		sel := []string{"date"}
		for _, f := range weekFields {
			sel = append(sel, f.Received, f.Issued)
		}
		rows, err := query(secWeeks, ids.Week, socrata.Query{Select: strings.Join(sel, ", "), Order: "date DESC"})
		if err != nil {
			return err
		}
		d.Weeks, err = weekRows(rows, loc)
		return err
	})

	for _, sec := range []string{secExpenses, secRevenue} {
		f := financeFields[sec]
		id := ids.Expenses
		if sec == secRevenue {
			id = ids.Revenue
		}
		section(sec, envName(sec), id, func() error {
			rows, err := query(sec, id, socrata.Query{
				Select: "department, year, month, sum(" + f.Budget + ") AS budget, sum(" + f.Actual + ") AS actual",
				Group:  "department, year, month",
				Order:  "year, month, department",
			})
			if err != nil {
				return err
			}
			months, err := financeMonths(rows)
			if sec == secExpenses {
				d.Expenses = months
			} else {
				d.Revenue = months
			}
			return err
		})
	}

	section(secCSR, "CSR_DATASET", ids.CSR, func() error {
		from := time.Date(now.In(loc).Year(), now.In(loc).Month()-csrMonths+1, 1, 0, 0, 0, 0, time.UTC)
		rows, err := query(secCSR, ids.CSR, socrata.Query{
			Select: "date_trunc_ym(created_date) AS month, sr_status, count(*) AS n",
			Where:  "created_date >= '" + from.Format("2006-01-02T15:04:05") + "'",
			Group:  "date_trunc_ym(created_date), sr_status",
			Order:  "date_trunc_ym(created_date), sr_status",
		})
		if err != nil {
			return err
		}
		d.CSR, err = csrCounts(rows, loc)
		return err
	})

	// Never-updated datasets first (SoQL sorts nulls last), then the
	// oldest updates.
	section(secStale, "METADATA_DATASET", ids.Metadata, func() error {
		var stale []socrata.Row
		for _, where := range []string{"data_updated_at IS NULL", "data_updated_at IS NOT NULL"} {
			rows, err := query(secStale, ids.Metadata, socrata.Query{
				Select: "id, name, dataset_url, data_updated_at",
				Where:  "type = 'dataset' AND " + where,
				Order:  "data_updated_at ASC, id",
				Limit:  staleCount,
			})
			if err != nil {
				return err
			}
			stale = append(stale, rows...)
		}
		var err error
		d.Stale, err = staleDatasets(lastByKey(stale, "id"), loc)
		return err
	})
	return d, errors.Join(failed...)
}

// activePoints turns log records into points, oldest first.
func activePoints(rows []socrata.Row, loc *time.Location) ([]activePoint, error) {
	var out []activePoint
	for i, r := range rows {
		at, err := floating(r["published_date"], loc)
		if err != nil || at.IsZero() {
			return nil, fmt.Errorf("active permits row %d: published_date %v: %w", i+1, r["published_date"], cmp.Or(err, errors.New("missing")))
		}
		p := activePoint{At: at}
		for f, dst := range map[string]*float64{"ds": &p.DS, "ex": &p.EX, "rw": &p.RW} {
			if *dst, err = number(r[f]); err != nil {
				return nil, fmt.Errorf("active permits row %d: %s: %w", i+1, f, err)
			}
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b activePoint) int { return a.At.Compare(b.At) })
	return out, nil
}

// weekRows turns WEEK_DATASET records into rows, oldest first.
func weekRows(rows []socrata.Row, loc *time.Location) ([]weekRow, error) {
	var out []weekRow
	for i, r := range rows {
		w, err := floating(r["date"], loc)
		if err != nil || w.IsZero() {
			return nil, fmt.Errorf("week summary row %d: date %v: %w", i+1, r["date"], cmp.Or(err, errors.New("missing")))
		}
		row := weekRow{Week: w, Values: map[string]float64{}}
		for _, f := range weekFields {
			for _, name := range []string{f.Received, f.Issued} {
				if row.Values[name], err = number(r[name]); err != nil {
					return nil, fmt.Errorf("week summary row %d: %s: %w", i+1, name, err)
				}
			}
		}
		out = append(out, row)
	}
	slices.SortStableFunc(out, func(a, b weekRow) int { return a.Week.Compare(b.Week) })
	return out, nil
}

// sumFinance sums budget and actual by department and month, what the live
// page asks the server to do with $group. A null amount adds nothing, as
// sum() skips nulls.
func sumFinance(rows []socrata.Row, budget, actual string) ([]financeMonth, error) {
	var agg []socrata.Row
	at := map[[3]string]socrata.Row{}
	for i, r := range rows {
		k := [3]string{text(r["department"]), text(r["year"]), text(r["month"])}
		s, ok := at[k]
		if !ok {
			s = socrata.Row{"department": r["department"], "year": r["year"], "month": r["month"], "budget": 0.0, "actual": 0.0}
			at[k] = s
			agg = append(agg, s)
		}
		for field, sum := range map[string]string{budget: "budget", actual: "actual"} {
			v, err := number(r[field])
			if err != nil {
				return nil, fmt.Errorf("row %d: %s: %w", i+1, field, err)
			}
			if !math.IsNaN(v) {
				s[sum] = s[sum].(float64) + v
			}
		}
	}
	return financeMonths(agg)
}

// financeMonths reads aggregated rows (department, year, month, budget,
// actual), sorted by department and month.
func financeMonths(rows []socrata.Row) ([]financeMonth, error) {
	var out []financeMonth
	for i, r := range rows {
		y, err1 := number(r["year"])
		m, err2 := number(r["month"])
		if err := errors.Join(err1, err2); err != nil || math.IsNaN(y) || math.IsNaN(m) || m < 1 || m > 12 {
			return nil, fmt.Errorf("row %d: year %v month %v: not a month", i+1, r["year"], r["month"])
		}
		b, err := number(r["budget"])
		if err != nil {
			return nil, fmt.Errorf("row %d: budget: %w", i+1, err)
		}
		a, err := number(r["actual"])
		if err != nil {
			return nil, fmt.Errorf("row %d: actual: %w", i+1, err)
		}
		out = append(out, financeMonth{
			Department: text(r["department"]),
			Month:      time.Date(int(y), time.Month(m), 1, 0, 0, 0, 0, time.UTC),
			Budget:     b, Actual: a,
		})
	}
	slices.SortStableFunc(out, func(a, b financeMonth) int {
		return cmp.Or(cmp.Compare(a.Department, b.Department), a.Month.Compare(b.Month))
	})
	return out, nil
}

// countCSR counts requests by month of created_date and status, what the
// live page asks the server to do with $group.
func countCSR(rows []socrata.Row, loc *time.Location) ([]csrMonth, error) {
	type key struct {
		month  time.Time
		status string
	}
	n := map[key]float64{}
	for i, r := range rows {
		c, err := floating(r["created_date"], loc)
		if err != nil {
			return nil, fmt.Errorf("3-1-1 row %d: created_date: %w", i+1, err)
		}
		if c.IsZero() {
			continue
		}
		n[key{time.Date(c.Year(), c.Month(), 1, 0, 0, 0, 0, time.UTC), statusName(r["sr_status"])}]++
	}
	var out []csrMonth
	for k, v := range n {
		out = append(out, csrMonth{Month: k.month, Status: k.status, N: v})
	}
	sortCSR(out)
	return out, nil
}

// csrCounts reads the aggregated rows (month, sr_status, n).
func csrCounts(rows []socrata.Row, loc *time.Location) ([]csrMonth, error) {
	var out []csrMonth
	for i, r := range rows {
		m, err := floating(r["month"], loc)
		if err != nil || m.IsZero() {
			return nil, fmt.Errorf("3-1-1 row %d: month %v: %w", i+1, r["month"], cmp.Or(err, errors.New("missing")))
		}
		n, err := number(r["n"])
		if err != nil || math.IsNaN(n) {
			return nil, fmt.Errorf("3-1-1 row %d: n %v: not a count", i+1, r["n"])
		}
		out = append(out, csrMonth{Month: time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC), Status: statusName(r["sr_status"]), N: n})
	}
	sortCSR(out)
	return out, nil
}

func sortCSR(out []csrMonth) {
	slices.SortFunc(out, func(a, b csrMonth) int {
		return cmp.Or(a.Month.Compare(b.Month), cmp.Compare(a.Status, b.Status))
	})
}

func statusName(v any) string {
	if s := strings.TrimSpace(text(v)); s != "" {
		return s
	}
	return "(no status)"
}

// staleDatasets keeps the datasets (type dataset) and orders them by last
// data update, never-updated first, keeping the staleCount oldest.
func staleDatasets(rows []socrata.Row, loc *time.Location) ([]staleDataset, error) {
	var out []staleDataset
	for i, r := range rows {
		if t, ok := r["type"]; ok && text(t) != "dataset" {
			continue
		}
		u, err := floating(r["data_updated_at"], loc)
		if err != nil {
			return nil, fmt.Errorf("metadata row %d: data_updated_at: %w", i+1, err)
		}
		out = append(out, staleDataset{ID: text(r["id"]), Name: text(r["name"]), URL: text(r["dataset_url"]), Updated: u})
	}
	slices.SortStableFunc(out, func(a, b staleDataset) int { return a.Updated.Compare(b.Updated) })
	if len(out) > staleCount {
		out = out[:staleCount]
	}
	return out, nil
}

// floatingLayout is a Socrata floating timestamp; a fractional second is
// accepted when parsing.
const floatingLayout = "2006-01-02T15:04:05"

// floating parses a floating timestamp (wall time in loc, the zone the jobs
// write in) or an RFC 3339 one. Nil or "" is the zero time.
func floating(v any, loc *time.Location) (time.Time, error) {
	s := strings.TrimSpace(text(v))
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(floatingLayout, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a timestamp", s)
	}
	return t.In(loc), nil
}

// number reads a count or an amount: a JSON number, or a string as SODA
// sends numbers. Nil or "" is NaN (no value).
func number(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return math.NaN(), nil
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case json.Number:
		return finite(string(x))
	case string:
		if strings.TrimSpace(x) == "" {
			return math.NaN(), nil
		}
		return finite(strings.TrimSpace(x))
	default:
		return 0, fmt.Errorf("%v is not a number", v)
	}
}

// finite parses s, refusing NaN and infinities (which ParseFloat accepts).
func finite(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s is not a finite number", s)
	}
	return f, nil
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// folderFS opens the socrata/ subfolder of a sample-mode output folder, or
// the folder itself when it holds the JSON files directly.
func folderFS(fsys fs.FS) fs.FS {
	if st, err := fs.Stat(fsys, "socrata"); err == nil && st.IsDir() {
		sub, _ := fs.Sub(fsys, "socrata")
		return sub
	}
	return fsys
}
