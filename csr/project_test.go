package csr

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestStatePlaneToWGS84 compares the conversion with points made by PROJ's
// cs2cs (testdata/make_proj_points.sh) and requires agreement to 1e-7°.
func TestStatePlaneToWGS84(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/proj_points.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var n int
	var worst float64
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		v := strings.Fields(line)
		if len(v) != 4 {
			t.Fatalf("bad line %q", line)
		}
		var p [4]float64
		for i := range v {
			if p[i], err = strconv.ParseFloat(v[i], 64); err != nil {
				t.Fatalf("bad line %q: %v", line, err)
			}
		}
		lon, lat := StatePlaneToWGS84(p[0], p[1])
		d := max(math.Abs(lon-p[3]), math.Abs(lat-p[2]))
		worst = max(worst, d)
		if d > 1e-7 {
			t.Errorf("(%v, %v) → (%.12f, %.12f), PROJ says (%.12f, %.12f): off by %g°", p[0], p[1], lon, lat, p[3], p[2], d)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 500 {
		t.Fatalf("only %d PROJ points read", n)
	}
	t.Logf("%d PROJ points, worst difference %g°", n, worst)
}

func TestStatePlaneToWGS84NonFinite(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		x, y float64
	}{{"nan x", math.NaN(), 1e7}, {"inf y", 3e6, math.Inf(1)}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			lon, lat := StatePlaneToWGS84(c.x, c.y)
			if !math.IsNaN(lon) && !math.IsNaN(lat) {
				t.Fatalf("got (%v, %v), want NaN", lon, lat)
			}
		})
	}
}

func BenchmarkStatePlaneToWGS84(b *testing.B) {
	var sink float64
	for i := 0; b.Loop(); i++ {
		lon, lat := StatePlaneToWGS84(3114567.891+float64(i%1000), 10070123.456)
		sink += lon + lat
	}
	_ = sink
}
