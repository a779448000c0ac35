package finance_test

import (
	"fmt"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
)

func ExampleFiscalYear() {
	for _, month := range []int{9, 10} {
		fmt.Printf("2023-%02d: fiscal year %d, fiscal month %d (%s)\n",
			month, finance.FiscalYear(2023, month), finance.FiscalMonth(month), finance.MonthName(month))
	}
	// Output:
	// 2023-09: fiscal year 2023, fiscal month 12 (Sep)
	// 2023-10: fiscal year 2024, fiscal month 1 (Oct)
}

func ExampleParseKey() {
	for _, key := range []string{"revenue/2024-02-29_6200.csv", "revenue/2024-02-29_6200 (1).csv"} {
		k, err := finance.ParseKey(key)
		if err != nil {
			fmt.Println("skip:", err)
			continue
		}
		fmt.Println(k.Kind, k.Month(), k.Department)
	}
	// Output:
	// revenue 2024-02 6200
	// skip: finance: key "revenue/2024-02-29_6200 (1).csv": does not match <expenses|revenue>/<YYYY-MM-DD>_<dept>.csv
}

// Shaping one expenses file into Socrata rows.
func ExampleReport_ReadRows() {
	csv := "Fund@Code,Unit@Unit Code,Object Code@Code,Expenses MTD with Period Cutoff,Unobligated\n" +
		"8400,2417,5110,1250.5,\n"
	k, _ := finance.ParseKey("expenses/2023-10-31_2400.csv")
	for row, err := range finance.Expenses().ReadRows(k, strings.NewReader(csv)) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row["row_identifier"], row["fiscal_year"], row["fiscal_month"], row["month_name"], row["expenses_mtd"], row["unobligated"])
	}
	// Output:
	// 202418400240024175110 2024 1 Oct 1250.5 <nil>
}
