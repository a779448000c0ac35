// Package finance holds the business rules of the two finance jobs
// (finance_reports_to_s3 and finance_reports_to_socrata): the City of
// Austin fiscal calendar, the two MicroStrategy report definitions and
// their prompt answers, the S3 key pattern of the report files, the column
// maps, and the shaping of report rows into Socrata rows.
//
//	m, _ := finance.NewMonth(2024, 8)
//	res, err := finance.Export(ctx, mstrClient, store, finance.Tasks(m), finance.ExportOptions{Concurrency: 4})
//	// → expenses/2024-07-31_2400.csv, expenses/2024-08-31_2400.csv, … (empty results are not written)
//
//	sel, err := finance.Select(ctx, store, finance.Expenses(), m, false, logger)
//	res, err := client.Upsert(ctx, dataset, sel.Rows(ctx, store, nil), socrata.UpsertOptions{}) // socrata.Row values
//
// # Fiscal calendar
//
// The fiscal year starts in October: [FiscalYear](2023, 10) is 2024 and
// [FiscalMonth](10) is 1 (September is 12).
//
// # Prompts
//
// Both reports are prompted: department (VALUE), fiscal year (ELEMENTS,
// element id "h<FY>;<prompt source id>"), the month's last day as
// "YYYY-MM-DDT05:00:00.000+0000" (VALUE), and the budget fiscal year
// (ELEMENTS) — the 4th prompt for expenses, the 5th for revenue (the
// revenue report's 4th prompt is left to its default). [Report.Plan]
// checks each prompt's type and fails with a *mstr.PromptError naming the
// prompt when the report's prompt list changed.
//
// # Keys
//
// Report files are "expenses/<YYYY-MM-DD>_<dept>.csv" and
// "revenue/<YYYY-MM-DD>_<dept>.csv", the date being the month's last day.
// [ParseKey] rejects anything else with a [*KeyError]; nothing is guessed
// from a name that does not match.
//
// # Rows
//
// A Socrata row holds the mapped report columns (empty numeric values are
// null, numbers are json.Number), year, month and department from the file
// name (the file name's department replaces Department@Dept), month_name
// ("Jan"…"Dec"), fiscal_year, fiscal_month, and row_identifier: the
// concatenation, without separator, of fiscal_year, fiscal_month, fund,
// department, unit and object_code (expenses) or fiscal_year, fiscal_month,
// fund, department, unit, revenue_source_category_code and
// revenue_source_code (revenue), as the former Python job built it.
//
// # Errors
//
// [*TaskError] names the report, department and month of a failed run;
// [*KeyError] (ErrBadKey) a file name outside the pattern; [*FileError]
// (ErrBadFile) a file whose header or values cannot be published.
package finance
