package csr

// The report's dates are local wall-clock times without a zone. They are
// reformatted digit by digit, never converted through a time zone, so a
// time that does not exist in Austin (the spring-forward hour) survives
// unchanged.

// AppendDate parses a report date and appends it to dst as a Socrata
// floating timestamp "YYYY-MM-DDTHH:MM:SS". Leading and trailing spaces are
// ignored. Accepted forms (month, day and 12-hour clock may have one or two
// digits; AM/PM in any case, with or without a space before it):
//
//	10/3/2023 2:15:07 PM    10/3/2023 2:15 PM
//	10/3/2023 14:15:07      10/3/2023 14:15       10/3/2023
//	2023-10-03 14:15:07     2023-10-03T14:15:07   2023-10-03 14:15   2023-10-03
//
// Seconds may carry a fraction (".123"), which is dropped. The date must
// exist in the proleptic Gregorian calendar. On failure dst is returned
// unchanged with ok false.
func AppendDate(dst []byte, s string) (out []byte, ok bool) {
	s = trimSpace(s)
	var year, month, day int
	var i int
	var w int
	iso := false
	// Date part.
	if n, w4 := digits(s, 0, 4); w4 == 4 && len(s) > 4 && s[4] == '-' {
		iso = true
		year = n
		if month, w = digits(s, 5, 2); w != 2 {
			return dst, false
		}
		if len(s) < 8 || s[7] != '-' {
			return dst, false
		}
		if day, w = digits(s, 8, 2); w != 2 {
			return dst, false
		}
		i = 10
	} else {
		if month, w = digits(s, 0, 2); w == 0 || w >= len(s) || s[w] != '/' {
			return dst, false
		}
		i = w + 1
		if day, w = digits(s, i, 2); w == 0 || i+w >= len(s) || s[i+w] != '/' {
			return dst, false
		}
		i += w + 1
		if year, w = digits(s, i, 4); w != 4 {
			return dst, false
		}
		i += 4
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || year < 1 {
		return dst, false
	}
	hour, minute, second := 0, 0, 0
	if i < len(s) {
		// Separator: 'T' (ISO) or one or more spaces.
		switch {
		case s[i] == 'T' && iso:
			i++
		case s[i] == ' ':
			for i < len(s) && s[i] == ' ' {
				i++
			}
		default:
			return dst, false
		}
		if hour, w = digits(s, i, 2); w == 0 {
			return dst, false
		}
		i += w
		if i >= len(s) || s[i] != ':' {
			return dst, false
		}
		if minute, w = digits(s, i+1, 2); w != 2 {
			return dst, false
		}
		i += 3
		if i < len(s) && s[i] == ':' {
			if second, w = digits(s, i+1, 2); w != 2 {
				return dst, false
			}
			i += 3
			if i < len(s) && s[i] == '.' {
				i++
				j := i
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					i++
				}
				if i == j {
					return dst, false
				}
			}
		}
		if minute > 59 || second > 59 {
			return dst, false
		}
		rest := s[i:]
		if len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		switch {
		case rest == "":
			if hour > 23 {
				return dst, false
			}
		case len(rest) == 2 && (rest[1] == 'M' || rest[1] == 'm'):
			if hour < 1 || hour > 12 {
				return dst, false
			}
			switch rest[0] {
			case 'A', 'a':
				if hour == 12 {
					hour = 0
				}
			case 'P', 'p':
				if hour != 12 {
					hour += 12
				}
			default:
				return dst, false
			}
		default:
			return dst, false
		}
	}
	dst = append4(dst, year)
	dst = append(dst, '-')
	dst = append2(dst, month)
	dst = append(dst, '-')
	dst = append2(dst, day)
	dst = append(dst, 'T')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, minute)
	dst = append(dst, ':')
	dst = append2(dst, second)
	return dst, true
}

// digits reads between 1 and max decimal digits of s starting at i and
// returns their value and count (0 when s[i] is not a digit).
func digits(s string, i, max int) (n, w int) {
	for w < max && i+w < len(s) {
		c := s[i+w]
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		w++
	}
	return n, w
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
