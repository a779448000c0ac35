// Package reportgen writes synthetic 3-1-1 CSR reports of any size in the
// report's shape (UTF-16 LE with a byte-order mark, tab-separated, CRLF),
// for benchmarks and measurements. The rows are invented and deterministic:
// a close date on three rows in four, coordinates on nine in ten, an
// address with quotes and commas on one in fifty.
package reportgen

import (
	"bufio"
	"io"
	"strconv"
	"unicode/utf16"
)

// header is the report's header: the 23 published columns and one the job
// ignores.
var header = []string{"Service Request (SR) Number", "Department", "Group Description", "SR Description",
	"Method Received", "SR Status", "Is Duplicate? (1/0)", "Status Change Date", "Created Date",
	"Overdue On Date", "Last Update Date", "Close Date", "SR Age (days)", "Response Days",
	"Open Count", "Closed Count", "Overdue Count", "Closed on Time", "Closed Late", "# of Days Late",
	"SR Location", "State Plane X Coordinate", "State Plane Y Coordinate", "Council District"}

var (
	groups  = []string{"TPW - Signals", "TPW - Street Maintenance", "TPW - Sign Shop", "TPW - Markings", "TPW - Parking Enforcement"}
	descs   = []string{"Traffic Signal - Maintenance", "Pothole Repair", "Sign - Street Name", "Crosswalk - Paint", "Parking Violation Enforcement", "Traffic Signal - Flashing"}
	methods = []string{"Phone", "Spot311 Interface", "Mobile Device", "Web", "Email"}
	streets = []string{"CONGRESS AVE", "LAMAR BLVD", "GUADALUPE ST", "E 7TH ST", "RIVERSIDE DR", "BURNET RD", "S 1ST ST"}
)

// Write writes a report of n data rows to w.
func Write(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	e := &enc{w: bw}
	bw.Write([]byte{0xFF, 0xFE})
	for i, h := range header {
		if i > 0 {
			e.byte('\t')
		}
		e.str(h)
	}
	e.str("\r\n")
	var num []byte
	field := func(s string) { e.str(s); e.byte('\t') }
	intField := func(v int) { num = strconv.AppendInt(num[:0], int64(v), 10); e.bytes(num); e.byte('\t') }
	date := func(month, day, year, hour, minute, second int) {
		num = num[:0]
		num = strconv.AppendInt(num, int64(month), 10)
		num = append(num, '/')
		num = strconv.AppendInt(num, int64(day), 10)
		num = append(num, '/')
		num = strconv.AppendInt(num, int64(year), 10)
		num = append(num, ' ')
		h12, ampm := hour%12, "AM"
		if h12 == 0 {
			h12 = 12
		}
		if hour >= 12 {
			ampm = "PM"
		}
		num = strconv.AppendInt(num, int64(h12), 10)
		num = append(num, ':', byte('0'+minute/10), byte('0'+minute%10), ':', byte('0'+second/10), byte('0'+second%10), ' ')
		num = append(num, ampm...)
		e.bytes(num)
		e.byte('\t')
	}
	for i := range n {
		year := 2019 + i%6
		month := 1 + i%12
		day := 1 + i%28
		hour, minute, second := i%24, i%60, (i/7)%60
		num = append(num[:0], strconv.Itoa(year%100)...)
		num = append(num, '-')
		num = strconv.AppendInt(num, int64(10_000_000+i), 10)
		e.bytes(num)
		e.byte('\t')
		field("Transportation & Public Works")
		field(groups[i%len(groups)])
		field(descs[i%len(descs)])
		field(methods[i%len(methods)])
		closed := i%4 != 3
		if closed {
			field("Closed")
		} else {
			field("Open")
		}
		intField(i % 2)
		date(month, day, year, hour, minute, second) // status change
		date(month, day, year, (hour+23)%24, minute, second)
		date(month, min(day+7, 28), year, hour, minute, second)
		date(month, day, year, hour, minute, second)
		if closed {
			date(month, day, year, hour, minute, second)
		} else {
			e.byte('\t')
		}
		intField(i % 90)
		num = strconv.AppendFloat(num[:0], float64(i%900)/100, 'f', -1, 64)
		e.bytes(num)
		e.byte('\t')
		if closed {
			field("0")
			field("1")
		} else {
			field("1")
			field("0")
		}
		intField(i % 3 / 2)
		intField(i % 2)
		intField((i + 1) % 2)
		intField(i % 30)
		if i%50 == 7 {
			e.str(`"` + strconv.Itoa(100+i%9000) + ` ` + streets[i%len(streets)] + ` ""UNIT B"", AUSTIN, TX 78701"` + "\t")
		} else {
			e.str(strconv.Itoa(100 + i%9000))
			e.byte(' ')
			e.str(streets[i%len(streets)])
			e.str(", AUSTIN, TX 78701\t")
		}
		if i%10 == 9 {
			e.str("\t\t")
		} else {
			num = strconv.AppendFloat(num[:0], 3080000+float64(i%70000)+0.25, 'f', -1, 64)
			e.bytes(num)
			e.byte('\t')
			num = strconv.AppendFloat(num[:0], 10040000+float64((i*7)%90000)+0.5, 'f', -1, 64)
			e.bytes(num)
			e.byte('\t')
		}
		num = strconv.AppendInt(num[:0], int64(1+i%10), 10) // council district, last
		e.bytes(num)
		e.str("\r\n")
		if e.err != nil {
			return e.err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return e.err
}

// enc writes UTF-16 LE.
type enc struct {
	w   *bufio.Writer
	err error
}

func (e *enc) byte(b byte) {
	if e.err == nil {
		e.w.WriteByte(b)
		e.err = e.w.WriteByte(0)
	}
}

func (e *enc) bytes(p []byte) {
	for _, b := range p {
		e.byte(b)
	}
}

func (e *enc) str(s string) {
	for _, r := range s {
		if r < 0x80 {
			e.byte(byte(r))
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			if e.err == nil {
				e.w.WriteByte(byte(u))
				e.err = e.w.WriteByte(byte(u >> 8))
			}
		}
	}
}
